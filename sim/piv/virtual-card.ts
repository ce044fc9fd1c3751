// Card-side ISO/IEC 7816-4 transmission handling shared by the simulated applets:
// APDU case parsing (§5.1, short and extended), command chaining (§5.1.1.1), GET
// RESPONSE on 61 xx (§7.6.1), an APDU log, power and removal.

export const SW = {
  OK: 0x9000, WRONG_LENGTH: 0x6700, SECURITY: 0x6982, BLOCKED: 0x6983, CONDITIONS: 0x6985,
  WRONG_DATA: 0x6a80, FUNC_NOT_SUPPORTED: 0x6a81, NOT_FOUND: 0x6a82, WRONG_P1P2: 0x6a86, REF_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00, CLA_NOT_SUPPORTED: 0x6e00, LAST_IN_CHAIN_EXPECTED: 0x6883, NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** What a virtual reader (vpcd bridge, the CCID simulator) needs from a card. */
export interface VirtualCard {
  readonly atr: Uint8Array;
  handle(apdu: Uint8Array): Promise<Uint8Array>;
  powerOn(): Uint8Array;
  powerOff(): void;
  reset(): Uint8Array;
}

export interface ParsedCommand {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Buffer;
  /** Ne; 0 when absent. */
  readonly ne: number;
  readonly extended: boolean;
}

export interface CardReply {
  readonly data?: Uint8Array;
  readonly sw: number;
}

export interface ApduLogEntry {
  readonly command: Uint8Array;
  readonly response: Uint8Array;
}

export class CardRemovedError extends Error {
  readonly code = 'SIM_CARD_REMOVED';
  constructor() { super('The simulated card was removed'); }
}

/** Parses the four cases of §5.1; undefined when the length fields are inconsistent. */
export function parseCommand(apdu: Uint8Array): ParsedCommand | undefined {
  const b = Buffer.from(apdu.buffer, apdu.byteOffset, apdu.length);
  if (b.length < 4) return undefined;
  const [cla, ins, p1, p2] = [b[0]!, b[1]!, b[2]!, b[3]!];
  const base = { cla, ins, p1, p2 };
  if (b.length === 4) return { ...base, data: Buffer.alloc(0), ne: 0, extended: false };
  const b4 = b[4]!;
  if (b.length === 5) return { ...base, data: Buffer.alloc(0), ne: b4 || 256, extended: false };
  if (b4 !== 0) {
    if (b.length === 5 + b4) return { ...base, data: b.subarray(5), ne: 0, extended: false };
    if (b.length === 6 + b4) return { ...base, data: b.subarray(5, 5 + b4), ne: b[5 + b4]! || 256, extended: false };
    return undefined;
  }
  if (b.length === 7) return { ...base, data: Buffer.alloc(0), ne: b.readUInt16BE(5) || 65536, extended: true };
  const lc = b.readUInt16BE(5);
  if (lc === 0) return undefined;
  if (b.length === 7 + lc) return { ...base, data: b.subarray(7), ne: 0, extended: true };
  if (b.length === 9 + lc) return { ...base, data: b.subarray(7, 7 + lc), ne: b.readUInt16BE(7 + lc) || 65536, extended: true };
  return undefined;
}

export interface VirtualCardOptions {
  readonly atr: Uint8Array;
  /** Accept extended-length APDUs (otherwise they get 67 00, like a short-only card). */
  readonly extendedLength: boolean;
}

/** Base class: an applet implements `process` for one complete (unchained) command. */
export abstract class VirtualCardBase implements VirtualCard {
  readonly log: ApduLogEntry[] = [];
  /** Internal failures answered with 6F 00, kept for test diagnostics. */
  readonly faults: unknown[] = [];
  readonly extendedLength: boolean;
  atr: Uint8Array;
  private powered = true;
  private removed = false;
  private pending: Buffer | undefined;
  private chain: { ins: number; p1: number; p2: number; parts: Buffer[] } | undefined;
  private inFlight = new Set<() => void>();

  constructor(options: VirtualCardOptions) {
    this.atr = options.atr;
    this.extendedLength = options.extendedLength;
  }

  protected abstract process(cmd: ParsedCommand): Promise<CardReply>;
  /** Clears the applet's volatile state (security status, selection). */
  protected abstract onReset(): void;

  powerOn(): Uint8Array {
    if (this.removed) throw new CardRemovedError();
    if (!this.powered) { this.powered = true; this.resetVolatile(); }
    return this.atr;
  }

  powerOff(): void {
    this.powered = false;
    this.resetVolatile();
  }

  reset(): Uint8Array {
    this.resetVolatile();
    this.powered = true;
    return this.atr;
  }

  /** Pulls the card out: commands in flight and later ones fail. */
  remove(): void {
    this.removed = true;
    this.powered = false;
    this.resetVolatile();
    for (const abort of this.inFlight) abort();
  }

  insert(): void {
    this.removed = false;
    this.powered = true;
  }

  get present(): boolean {
    return !this.removed;
  }

  private resetVolatile(): void {
    this.pending = undefined;
    this.chain = undefined;
    this.onReset();
  }

  /** Waits `ms` (a touch, a slow operation), failing if the card is removed meanwhile. */
  protected wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const abort = () => { clearTimeout(t); this.inFlight.delete(abort); reject(new CardRemovedError()); };
      const t = setTimeout(() => { this.inFlight.delete(abort); resolve(); }, ms);
      this.inFlight.add(abort);
    });
  }

  async handle(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.removed || !this.powered) throw new CardRemovedError();
    const command = Uint8Array.from(apdu);
    const response = await this.exchange(command);
    if (this.removed) throw new CardRemovedError();
    this.log.push({ command, response });
    return response;
  }

  private reply(data: Uint8Array, sw: number): Uint8Array {
    const out = new Uint8Array(data.length + 2);
    out.set(data);
    out[data.length] = sw >> 8;
    out[data.length + 1] = sw & 0xff;
    return out;
  }

  /** Sends up to `ne` bytes of `data`, keeping the rest for GET RESPONSE (61 xx). */
  private deliver(data: Buffer, ne: number, sw: number): Uint8Array {
    const limit = Math.max(ne, 0) || (data.length > 0 ? 256 : 0);
    if (data.length <= limit) { this.pending = undefined; return this.reply(data, sw); }
    this.pending = data.subarray(limit);
    return this.reply(data.subarray(0, limit), 0x6100 | (this.pending.length >= 256 ? 0 : this.pending.length));
  }

  private async exchange(apdu: Uint8Array): Promise<Uint8Array> {
    const cmd = parseCommand(apdu);
    if (!cmd) return this.reply(new Uint8Array(0), SW.WRONG_LENGTH);
    if (cmd.extended && !this.extendedLength) return this.reply(new Uint8Array(0), SW.WRONG_LENGTH);
    if ((cmd.cla & 0x80) !== 0 && cmd.ins !== 0xc0) return this.reply(new Uint8Array(0), SW.CLA_NOT_SUPPORTED);
    if (cmd.ins === 0xc0) {
      const pending = this.pending;
      if (!pending) return this.reply(new Uint8Array(0), SW.CONDITIONS);
      if (cmd.p1 !== 0 || cmd.p2 !== 0) return this.reply(new Uint8Array(0), SW.WRONG_P1P2);
      return this.deliver(pending, cmd.ne, SW.OK);
    }
    this.pending = undefined;
    if (cmd.cla & 0x10) {
      // Command chaining (§5.1.1.1): collect, answer 90 00, process on the last block.
      if (this.chain && (this.chain.ins !== cmd.ins || this.chain.p1 !== cmd.p1 || this.chain.p2 !== cmd.p2)) {
        this.chain = undefined;
        return this.reply(new Uint8Array(0), SW.LAST_IN_CHAIN_EXPECTED);
      }
      this.chain ??= { ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, parts: [] };
      this.chain.parts.push(Buffer.from(cmd.data));
      return this.reply(new Uint8Array(0), SW.OK);
    }
    let full = cmd;
    if (this.chain) {
      const chain = this.chain;
      this.chain = undefined;
      if (chain.ins !== cmd.ins || chain.p1 !== cmd.p1 || chain.p2 !== cmd.p2) return this.reply(new Uint8Array(0), SW.LAST_IN_CHAIN_EXPECTED);
      full = { ...cmd, data: Buffer.concat([...chain.parts, cmd.data]) };
    }
    let result: CardReply;
    try {
      result = await this.process(full);
    } catch (err) {
      if (err instanceof CardRemovedError) throw err;
      this.faults.push(err);
      result = { sw: SW.NO_PRECISE_DIAGNOSIS };
    }
    const data = Buffer.from(result.data ?? new Uint8Array(0));
    const ne = cmd.ne || (cmd.extended ? 65536 : 256);
    return this.deliver(data, Math.min(ne, cmd.extended ? 65536 : 256), result.sw);
  }

  /** Counts of what reached the card, for tests and benchmarks. */
  stats(): { apdus: number; bytesIn: number; bytesOut: number } {
    let bytesIn = 0, bytesOut = 0;
    for (const e of this.log) { bytesIn += e.command.length; bytesOut += e.response.length; }
    return { apdus: this.log.length, bytesIn, bytesOut };
  }
}
