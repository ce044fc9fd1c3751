// Encoded terminal modes of pty-req, RFC 4254 §8 (and IUTF8 from RFC 8160):
// a sequence of (byte opcode, uint32 argument), ended by TTY_OP_END (0).
import { SshWriter } from '../wire/index.ts';

export const TERMINAL_MODE_OPCODES = {
  VINTR: 1, VQUIT: 2, VERASE: 3, VKILL: 4, VEOF: 5, VEOL: 6, VEOL2: 7, VSTART: 8, VSTOP: 9, VSUSP: 10,
  VDSUSP: 11, VREPRINT: 12, VWERASE: 13, VLNEXT: 14, VFLUSH: 15, VSWTCH: 16, VSTATUS: 17, VDISCARD: 18,
  IGNPAR: 30, PARMRK: 31, INPCK: 32, ISTRIP: 33, INLCR: 34, IGNCR: 35, ICRNL: 36, IUCLC: 37, IXON: 38,
  IXANY: 39, IXOFF: 40, IMAXBEL: 41, IUTF8: 42,
  ISIG: 50, ICANON: 51, XCASE: 52, ECHO: 53, ECHOE: 54, ECHOK: 55, ECHONL: 56, NOFLSH: 57, TOSTOP: 58,
  IEXTEN: 59, ECHOCTL: 60, ECHOKE: 61, PENDIN: 62,
  OPOST: 70, OLCUC: 71, ONLCR: 72, OCRNL: 73, ONOCR: 74, ONLRET: 75,
  CS7: 90, CS8: 91, PARENB: 92, PARODD: 93,
  TTY_OP_ISPEED: 128, TTY_OP_OSPEED: 129,
} as const;

export type TerminalModeName = keyof typeof TERMINAL_MODE_OPCODES;
export type TerminalModes = Partial<Record<TerminalModeName, number>>;

/** Reasonable modes for a browser terminal: DEL erases, UTF-8 input. The server fills in the rest. */
export const WEB_TERMINAL_MODES: TerminalModes = { VERASE: 0x7f, IUTF8: 1 };

const TTY_OP_END = 0;

export function encodeTerminalModes(modes: TerminalModes): Uint8Array {
  const w = new SshWriter();
  for (const [name, value] of Object.entries(modes)) {
    if (value === undefined) continue;
    const op = (TERMINAL_MODE_OPCODES as Record<string, number>)[name];
    if (op === undefined) throw new TypeError(`unknown terminal mode ${name}`);
    w.byte(op).uint32(value);
  }
  return w.byte(TTY_OP_END).toBytes();
}
