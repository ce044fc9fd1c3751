/**
 * CCID bulk messages, CCID 1.1 §6.1 (PC_to_RDR) and §6.2 (RDR_to_PC). Every message starts
 * with the same 10-byte header; the last three bytes are message-specific.
 */
import { CcidProtocolError } from './errors.ts';
import { defineLayout } from './layout.ts';

/** CCID 1.1 §6.1: bMessageType, dwLength (LE), bSlot, bSeq, three specific bytes. */
export const HEADER = defineLayout({
  bMessageType: ['u8', 0],
  dwLength: ['u32le', 1],
  bSlot: ['u8', 5],
  bSeq: ['u8', 6],
  b7: ['u8', 7],
  b8: ['u8', 8],
  b9: ['u8', 9],
} as const);
export const HEADER_SIZE = HEADER.size;

/** PC_to_RDR message types, CCID 1.1 §6.1. */
export const Command = {
  SetParameters: 0x61,
  IccPowerOn: 0x62,
  IccPowerOff: 0x63,
  GetSlotStatus: 0x65,
  Escape: 0x6b,
  GetParameters: 0x6c,
  ResetParameters: 0x6d,
  XfrBlock: 0x6f,
  Abort: 0x72,
} as const;

/** RDR_to_PC message types, CCID 1.1 §6.2; interrupt messages §6.3. */
export const Reply = {
  DataBlock: 0x80,
  SlotStatus: 0x81,
  Parameters: 0x82,
  Escape: 0x83,
  NotifySlotChange: 0x50,
  HardwareError: 0x51,
} as const;

/** The reply each command expects, CCID 1.1 §6.1 table 6.1-1. */
export const REPLY_TO: Record<number, number> = {
  [Command.SetParameters]: Reply.Parameters,
  [Command.IccPowerOn]: Reply.DataBlock,
  [Command.IccPowerOff]: Reply.SlotStatus,
  [Command.GetSlotStatus]: Reply.SlotStatus,
  [Command.Escape]: Reply.Escape,
  [Command.GetParameters]: Reply.Parameters,
  [Command.ResetParameters]: Reply.Parameters,
  [Command.XfrBlock]: Reply.DataBlock,
  [Command.Abort]: Reply.SlotStatus,
};

export interface CommandMessage {
  readonly type: number;
  readonly slot: number;
  readonly seq: number;
  /** The three message-specific header bytes (bPowerSelect, bBWI + wLevelParameter...). */
  readonly specific?: readonly [number, number, number];
  readonly data?: Uint8Array;
}

export function encodeCommand(msg: CommandMessage): Uint8Array<ArrayBuffer> {
  const data = msg.data ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_SIZE + data.length);
  const [b7, b8, b9] = msg.specific ?? [0, 0, 0];
  HEADER.write({ bMessageType: msg.type, dwLength: data.length, bSlot: msg.slot, bSeq: msg.seq & 0xff, b7, b8, b9 }, out);
  out.set(data, HEADER_SIZE);
  return out;
}

/** XfrBlock's specific bytes: bBWI, then wLevelParameter little-endian (§6.1.4). */
export function xfrSpecific(bwi: number, levelParameter: number): [number, number, number] {
  return [bwi & 0xff, levelParameter & 0xff, (levelParameter >> 8) & 0xff];
}

export type IccStatus = 'active' | 'inactive' | 'absent';
export type CommandStatus = 'ok' | 'failed' | 'time-extension';

export interface ReplyMessage {
  readonly type: number;
  readonly slot: number;
  readonly seq: number;
  readonly bStatus: number;
  readonly bError: number;
  /** bChainParameter (DataBlock), bClockStatus (SlotStatus), bProtocolNum (Parameters). */
  readonly specific: number;
  readonly iccStatus: IccStatus;
  readonly commandStatus: CommandStatus;
  readonly data: Uint8Array;
}

const ICC_STATUS: readonly IccStatus[] = ['active', 'inactive', 'absent'];
const COMMAND_STATUS: readonly CommandStatus[] = ['ok', 'failed', 'time-extension'];
const KNOWN_REPLIES = new Set<number>([Reply.DataBlock, Reply.SlotStatus, Reply.Parameters, Reply.Escape, 0x84]);

/**
 * How many bytes the whole message needs, from its header; undefined while fewer than
 * 10 bytes are in hand. Lets the transport read on after a short read.
 */
export function expectedLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < HEADER_SIZE) return undefined;
  return HEADER_SIZE + HEADER.read(bytes).dwLength;
}

/** Decodes and validates one RDR_to_PC message (§6.2). */
export function decodeReply(bytes: Uint8Array, maxLength = 65_548): ReplyMessage {
  if (bytes.length < HEADER_SIZE) {
    throw new CcidProtocolError(`The reader sent a ${bytes.length}-byte reply; a CCID reply has at least 10 bytes.`);
  }
  const h = HEADER.read(bytes);
  if (!KNOWN_REPLIES.has(h.bMessageType)) {
    throw new CcidProtocolError(`The reader sent an unknown message type 0x${h.bMessageType.toString(16).padStart(2, '0')}.`);
  }
  if (h.dwLength > maxLength - HEADER_SIZE) {
    throw new CcidProtocolError(`The reader announced ${h.dwLength} data bytes, more than its maximum message length allows.`);
  }
  if (bytes.length !== HEADER_SIZE + h.dwLength) {
    throw new CcidProtocolError(`The reader's reply length (${bytes.length}) does not match its header (${HEADER_SIZE + h.dwLength}).`);
  }
  const bStatus = h.b7;
  const icc = ICC_STATUS[bStatus & 0x03];
  const cmd = COMMAND_STATUS[(bStatus >> 6) & 0x03];
  if (icc === undefined || cmd === undefined || (bStatus & 0x3c) !== 0) {
    throw new CcidProtocolError(`The reader sent an invalid bStatus 0x${bStatus.toString(16)} (CCID 1.1 §6.2.6).`);
  }
  return {
    type: h.bMessageType,
    slot: h.bSlot,
    seq: h.bSeq,
    bStatus,
    bError: h.b8,
    specific: h.b9,
    iccStatus: icc,
    commandStatus: cmd,
    data: bytes.slice(HEADER_SIZE),
  };
}

/** Slot error register, CCID 1.1 §6.2.6 table 6.2-2. */
export const SlotErrorCode = {
  CMD_ABORTED: 0xff,
  ICC_MUTE: 0xfe,
  XFR_PARITY_ERROR: 0xfd,
  XFR_OVERRUN: 0xfc,
  HW_ERROR: 0xfb,
  BAD_ATR_TS: 0xf8,
  BAD_ATR_TCK: 0xf7,
  ICC_PROTOCOL_NOT_SUPPORTED: 0xf6,
  ICC_CLASS_NOT_SUPPORTED: 0xf5,
  PROCEDURE_BYTE_CONFLICT: 0xf4,
  DEACTIVATED_PROTOCOL: 0xf3,
  BUSY_WITH_AUTO_SEQUENCE: 0xf2,
  PIN_TIMEOUT: 0xf0,
  PIN_CANCELLED: 0xef,
  CMD_SLOT_BUSY: 0xe0,
  CMD_NOT_SUPPORTED: 0x00,
} as const;

const ERROR_TEXT: Record<number, string> = {
  0xff: 'the command was aborted',
  0xfe: 'the card did not answer (mute)',
  0xfd: 'a parity error occurred talking to the card',
  0xfc: 'the card sent more data than expected (overrun)',
  0xfb: 'the reader reported a hardware error',
  0xf8: 'the card sent a bad ATR (TS)',
  0xf7: 'the card sent a bad ATR checksum (TCK)',
  0xf6: 'the card protocol is not supported',
  0xf5: 'the card voltage class is not supported',
  0xf4: 'the card sent a conflicting procedure byte',
  0xf3: 'the protocol was deactivated',
  0xf2: 'the reader is busy with an automatic sequence',
  0xf0: 'PIN entry timed out',
  0xef: 'PIN entry was cancelled',
  0xe0: 'the slot is busy with another command',
  0x00: 'the reader does not support this command',
  0x05: 'the slot does not exist',
  0x07: 'the power selection is not supported',
};

/** A sentence for a failed command's bError (§6.2.6); values 1..127 name a bad field. */
export function describeSlotError(bError: number): string {
  const known = ERROR_TEXT[bError];
  if (known) return known;
  if (bError >= 0x01 && bError <= 0x7f) return `the reader rejected the command field at offset ${bError}`;
  return `the reader reported error 0x${bError.toString(16).padStart(2, '0')}`;
}
