/**
 * One CCID interface's bulk pipe: sends a PC_to_RDR message and returns its matching
 * RDR_to_PC reply. It matches bSeq and bSlot (CCID 1.1 §6.1), reads on after a short read,
 * honours time extension requests (bmCommandStatus = 2, §6.2.6) and validates every reply.
 * Commands are serialised: one message in flight per interface (bMaxCCIDBusySlots is
 * almost always 1, and serialising is always correct).
 */
import { CardRemovedError, CardResetError, CcidError, CcidProtocolError, CcidTimeoutError, ReaderWedgedError, UsbTransferError } from './errors.ts';
import type { CommandMessage, ReplyMessage } from './message.ts';
import { Command, decodeReply, encodeCommand, expectedLength, HEADER_SIZE, Reply, REPLY_TO, SlotErrorCode } from './message.ts';
import type { UsbDeviceLike } from './usb-device.ts';
import { inData } from './usb-device.ts';
import { boundTransfer, started, TRANSFER_TIMEOUT_MS } from './transfer-timeout.ts';
import { reclaimAfterReset } from './reclaim.ts';

export interface ChannelOptions {
  readonly bulkIn: number;
  readonly bulkOut: number;
  readonly interfaceNumber: number;
  /** dwMaxCCIDMessageLength: the largest message either side may send. */
  readonly maxMessageLength: number;
  /** Read timeout per reply before any time extension; libccid's default is 3 s. */
  readonly timeoutMs?: number;
  /** The longest a command may take, time extensions included (default MAX_COMMAND_MS). */
  readonly maxCommandMs?: number;
}

export interface ChannelStats {
  transfers: number;
  bytesOut: number;
  bytesIn: number;
}

/** What CcidCard and CcidReader need from a transport: CCID bulk, or ICCD control requests. */
export interface MessageChannel {
  readonly stats: ChannelStats;
  exchange(msg: Omit<CommandMessage, 'seq'>): Promise<ReplyMessage>;
  abort(slot: number): Promise<ReplyMessage>;
  cardRemoved(slot: number): void;
}

/** Stale or foreign replies the channel skips before it gives up on the reader. */
const MAX_SKIPPED_REPLIES = 8;
/** Time extensions honoured for one command before it is declared hung. */
const MAX_TIME_EXTENSIONS = 64;
/**
 * The longest a command may take with time extensions: a reader asking for the largest multiplier each time would
 * otherwise hold one for 64 x 255 x the timeout (13.6 h). Five minutes leave room for an on-card RSA-4096 key
 * generation or a PIN typed on the reader's pad, the slowest commands cards have.
 */
export const MAX_COMMAND_MS = 300_000;

interface ReadBudget {
  readonly maxMs: number;
  readonly deadline: number;
  /** The next read's timeout: the base one, or as lengthened by the last time extension. */
  timeout: number;
  extensions: number;
  skipped: number;
}


export class CcidChannel implements MessageChannel {
  readonly stats: ChannelStats = { transfers: 0, bytesOut: 0, bytesIn: 0 };
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** A bulk-IN transfer still pending after a timeout: the next read reuses it. */
  private pendingIn: Promise<Uint8Array> | undefined;
  private readonly timeoutMs: number;
  /** Set when a timed-out command could be neither cancelled nor swept away by a reset: nothing more is sent. */
  private wedged = false;
  /** The bulk-OUT transfer that last timed out, still pending (WebUSB cannot cancel it). */
  private stuckWrite: Promise<unknown> | undefined;
  /** Set when a slot's card is removed: its command in flight fails at once. */
  private readonly removalWaiters = new Map<number, Set<(err: Error) => void>>();

  constructor(private readonly device: UsbDeviceLike, private readonly options: ChannelOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** One OUT or control transfer's limit: libccid's, or the read timeout if longer. */
  private get transferLimit(): number {
    return Math.max(this.timeoutMs, TRANSFER_TIMEOUT_MS);
  }

  /** Sends one command and returns its validated reply (any bmCommandStatus but 2). */
  exchange(msg: Omit<CommandMessage, 'seq'>): Promise<ReplyMessage> {
    const run = this.queue.then(() => this.exchangeNow(msg));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Fails the slot's command in flight, if any, with CardRemovedError. */
  cardRemoved(slot: number): void {
    const waiters = this.removalWaiters.get(slot);
    if (!waiters) return;
    for (const fail of waiters) fail(new CardRemovedError());
    waiters.clear();
  }

  /** CCID 1.1 §5.3.1 ABORT control request, then the bulk PC_to_RDR_Abort (§6.1.13). */
  async abort(slot: number): Promise<ReplyMessage> {
    const seq = this.nextSeq();
    const setup = { requestType: 'class', recipient: 'interface', request: 0x01, value: (seq << 8) | slot, index: this.options.interfaceNumber } as const;
    await boundTransfer(started(() => this.device.controlTransferOut(setup)), this.transferLimit, 'The reader did not take the ABORT request.');
    const run = this.queue.then(() => this.exchangeNow({ type: Command.Abort, slot }, seq));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  private async exchangeNow(msg: Omit<CommandMessage, 'seq'>, fixedSeq?: number): Promise<ReplyMessage> {
    if (this.wedged) throw new ReaderWedgedError();
    const seq = fixedSeq ?? this.nextSeq();
    const bytes = encodeCommand({ ...msg, seq });
    if (bytes.length > this.options.maxMessageLength) {
      bytes.fill(0);
      throw new CcidProtocolError(`A ${bytes.length}-byte message exceeds the reader's maximum of ${this.options.maxMessageLength} bytes.`);
    }
    let removed: ((err: Error) => void) | undefined;
    const removal = new Promise<never>((_, reject) => { removed = reject; });
    removal.catch(() => undefined);
    const waiters = this.removalWaiters.get(msg.slot) ?? new Set();
    this.removalWaiters.set(msg.slot, waiters);
    waiters.add(removed!);
    try {
      try {
        await this.write(bytes);
      } catch (err) {
        if (!(err instanceof CcidTimeoutError)) throw err;
        return await this.settleTimedOutWrite(msg.type, msg.slot, seq);
      }
      return await Promise.race([this.readReply(msg.type, msg.slot, seq), removal]);
    } finally {
      waiters.delete(removed!);
    }
  }

  /**
   * A bulk-OUT transfer that timed out is still pending (WebUSB cannot cancel one transfer): a reader that takes it
   * later still runs the command, and a VERIFY would spend a PIN try after the caller was told it failed. CCID 1.1
   * §5.3.1: the ABORT class request, then PC_to_RDR_Abort (§6.1.13) with the command's bSeq and bSlot, which the reader
   * answers with RDR_to_PC_SlotStatus once the command is cancelled or done; the bulk pipe is in order, so after that
   * answer nothing of the command is left. The Abort message waits for the stuck transfer (it would queue behind it
   * anyway). A command the reader ran anyway returns its real answer; one it cancelled (bError CMD_ABORTED, or no
   * answer) is CcidTimeoutError. If the abort does not complete, the reader is reset.
   */
  private async settleTimedOutWrite(type: number, slot: number, seq: number): Promise<ReplyMessage> {
    const limit = this.transferLimit;
    let answer: ReplyMessage | undefined;
    try {
      const setup = { requestType: 'class', recipient: 'interface', request: 0x01, value: (seq << 8) | slot, index: this.options.interfaceNumber } as const;
      const r = await boundTransfer(started(() => this.device.controlTransferOut(setup)), limit, 'The reader did not take the ABORT request.');
      if (r.status === 'stall') throw new UsbTransferError('The reader refused the ABORT request.');
      await boundTransfer(this.stuckWrite ?? Promise.resolve(), limit, 'The reader did not let go of the aborted command.');
      this.stuckWrite = undefined;
      await this.write(encodeCommand({ type: Command.Abort, slot, seq }));
      answer = await this.readAbortAnswers(type, slot, seq);
    } catch (err) {
      if (!(err instanceof CcidError)) throw err;
      return this.resetReader();
    }
    if (answer && !(answer.commandStatus === 'failed' && answer.bError === SlotErrorCode.CMD_ABORTED)) return answer;
    if (REPLY_TO[type] === Reply.SlotStatus) {
      throw new CcidTimeoutError(`The reader did not take the command within ${limit / 1000} s; it was aborted (CCID ABORT), and may or may not have run.`);
    }
    throw new CcidTimeoutError(`The reader did not take the command within ${limit / 1000} s; it was cancelled (CCID ABORT).`);
  }

  /**
   * Reads up to the Abort's SlotStatus (same bSeq); returns the aborted command's own answer if one came first. Time
   * extensions and the command's deadline are honoured as for any reply: a command the reader runs anyway (an RSA
   * signature) may ask for more time before it answers. A command answered by SlotStatus itself (GetSlotStatus,
   * IccPowerOff) cannot be told from the Abort's answer when the reader drops it silently, so its SlotStatus is always
   * taken as the Abort's: the command is reported aborted, never done (a second SlotStatus is skipped later by bSeq).
   */
  private async readAbortAnswers(type: number, slot: number, seq: number): Promise<ReplyMessage | undefined> {
    const wanted = REPLY_TO[type];
    const budget = this.newBudget();
    const first = await this.readSeq(slot, seq, budget);
    if (first.type === Reply.SlotStatus) return undefined;
    if (first.type !== wanted) {
      throw new CcidProtocolError(`The reader answered message 0x${type.toString(16)} with message 0x${first.type.toString(16)}.`);
    }
    const abort = await this.readSeq(slot, seq, budget);
    if (abort.type !== Reply.SlotStatus) throw new CcidProtocolError('The reader did not answer the Abort command.');
    return first;
  }

  /**
   * USBDevice.reset cancels every transfer in flight (they reject) and resets the reader, which powers the card off:
   * the timed-out command either went before the reset or never will, and the card's PIN state is read afresh on
   * reconnecting. The interface is then released and claimed again (reclaim.ts: Chrome would not claim it otherwise).
   * Without a reset, or if the reset or the claim fails, the reader may still run the command later, or cannot be
   * driven: nothing more is sent.
   */
  private async resetReader(): Promise<never> {
    const device = this.device;
    try {
      if (!device.reset) throw new ReaderWedgedError();
      await boundTransfer(started(() => device.reset!()), this.transferLimit, 'The reader did not complete a USB reset.');
      this.pendingIn = undefined;
      this.stuckWrite = undefined;
      await reclaimAfterReset(device, this.options.interfaceNumber, this.transferLimit);
    } catch {
      this.wedged = true;
      throw new ReaderWedgedError();
    }
    throw new CardResetError();
  }

  /**
   * One bulk-OUT transfer, bounded as libccid bounds its writes (ccid_usb.c WriteUSB): a
   * reader NAKing forever would otherwise hold the command, and everything queued behind it, for good.
   * The message may carry a PIN (VERIFY) or key material: it is zeroed once the transfer has settled,
   * never before (WebUSB may read the buffer until transferOut settles), even after a timeout.
   */
  private async write(bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const transfer = started(() => this.device.transferOut(this.options.bulkOut, bytes));
    const limit = this.transferLimit;
    let result;
    try {
      result = await boundTransfer(transfer, limit, `The reader did not take the command within ${limit / 1000} s.`);
      bytes.fill(0);
    } catch (err) {
      if (!(err instanceof CcidTimeoutError)) {
        bytes.fill(0);
        throw new UsbTransferError(`Sending to the reader failed: ${(err as Error).message ?? err}`, { cause: err });
      }
      transfer.then(() => bytes.fill(0), () => bytes.fill(0));
      this.stuckWrite = transfer.catch(() => undefined);
      throw err;
    }
    this.stats.transfers++;
    this.stats.bytesOut += bytes.length;
    if (result.status === 'stall') {
      await this.device.clearHalt('out', this.options.bulkOut).catch(() => undefined);
      throw new UsbTransferError('The reader stalled the bulk-OUT endpoint; the command was not delivered.');
    }
  }

  private async readReply(type: number, slot: number, seq: number): Promise<ReplyMessage> {
    const reply = await this.readSeq(slot, seq, this.newBudget());
    if (reply.type !== REPLY_TO[type]) {
      throw new CcidProtocolError(`The reader answered message 0x${type.toString(16)} with message 0x${reply.type.toString(16)}.`);
    }
    return reply;
  }

  /** One command's reading budget: its deadline (maxCommandMs) and the time extensions taken so far. */
  private newBudget(): ReadBudget {
    const maxMs = this.options.maxCommandMs ?? MAX_COMMAND_MS;
    return { maxMs, deadline: Date.now() + maxMs, timeout: this.timeoutMs, extensions: 0, skipped: 0 };
  }

  /**
   * The next reply carrying `seq` for `slot` that is not a time extension. Late replies to earlier commands are
   * skipped; a time extension (§6.2.6) lengthens the next read as libccid does, within the command's deadline.
   */
  private async readSeq(slot: number, seq: number, budget: ReadBudget): Promise<ReplyMessage> {
    while (true) {
      const bytes = await this.readMessage(budget.timeout);
      const reply = decodeReply(bytes, this.options.maxMessageLength);
      if (reply.seq === seq && reply.slot !== slot) {
        // This command's bSeq for another slot is no late reply (those carry an older bSeq): the reader
        // mixed up its slots (§6.2: a reply carries its command's bSlot and bSeq).
        throw new CcidProtocolError(`The reader answered a command for slot ${slot} as slot ${reply.slot}.`);
      }
      if (reply.seq !== seq) {
        // A late reply to an earlier, timed-out command (libccid: "duplicate frame"): skip it.
        if (++budget.skipped > MAX_SKIPPED_REPLIES) throw new CcidProtocolError('The reader keeps answering with the wrong sequence number.');
        continue;
      }
      if (reply.commandStatus === 'time-extension') {
        // §6.2.6: the card asked for more time; libccid multiplies the timeout by bError.
        const left = budget.deadline - Date.now();
        if (++budget.extensions > MAX_TIME_EXTENSIONS || left <= 0) {
          throw new CcidTimeoutError(`The card kept asking for more time (${budget.extensions} time extensions); giving up after ${budget.maxMs / 1000} s.`);
        }
        budget.timeout = Math.min(this.timeoutMs * Math.max(1, reply.bError), left);
        continue;
      }
      return reply;
    }
  }

  /** Reads one whole message, across several transfers when one returns short. */
  private async readMessage(timeoutMs: number): Promise<Uint8Array> {
    let buf = await this.readTransfer(timeoutMs);
    // A transfer ends on a short packet, so one shorter than the header is a whole (bad)
    // message, not the start of one; only the data part may arrive in further transfers.
    if (buf.length < HEADER_SIZE) {
      throw new CcidProtocolError(`The reader sent a ${buf.length}-byte reply; a CCID reply has at least 10 bytes.`);
    }
    for (let reads = 1; ; reads++) {
      const need = expectedLength(buf);
      if (need !== undefined && buf.length >= need) {
        if (buf.length > need) throw new CcidProtocolError(`The reader sent ${buf.length - need} bytes beyond the message its header announces.`);
        return buf;
      }
      if (need !== undefined && need > this.options.maxMessageLength) {
        throw new CcidProtocolError(`The reader announced a ${need}-byte message, above its maximum of ${this.options.maxMessageLength}.`);
      }
      if (reads >= 16) throw new CcidProtocolError('The reader sent a truncated message.');
      const more = await this.readTransfer(timeoutMs);
      if (more.length === 0) throw new CcidProtocolError('The reader sent a truncated message.');
      const joined = new Uint8Array(buf.length + more.length);
      joined.set(buf);
      joined.set(more, buf.length);
      buf = joined;
    }
  }

  private async readTransfer(timeoutMs: number): Promise<Uint8Array> {
    const pending = this.pendingIn ?? this.startIn();
    this.pendingIn = pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    try {
      const got = await Promise.race([pending, timedOut]);
      if (got === 'timeout') throw new CcidTimeoutError(`The reader did not answer within ${timeoutMs} ms.`);
      this.pendingIn = undefined;
      return got;
    } catch (err) {
      if (!(err instanceof CcidTimeoutError)) this.pendingIn = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async startIn(): Promise<Uint8Array> {
    // Ask for a whole message plus one packet, so an exact-multiple reply ends on its ZLP.
    const length = this.options.maxMessageLength + 64;
    let result;
    try {
      result = await this.device.transferIn(this.options.bulkIn, length);
    } catch (err) {
      throw new UsbTransferError(`Reading from the reader failed: ${(err as Error).message ?? err}`, { cause: err });
    }
    this.stats.transfers++;
    if (result.status === 'stall') {
      await this.device.clearHalt('in', this.options.bulkIn).catch(() => undefined);
      throw new UsbTransferError('The reader stalled the bulk-IN endpoint.');
    }
    const data = inData(result);
    this.stats.bytesIn += data.length;
    return data;
  }
}

export { HEADER_SIZE };
