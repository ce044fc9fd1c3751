/**
 * The T=1 block protocol, host side (ISO/IEC 7816-3:2006 §11): I-block chaining both ways,
 * R-block acknowledgement and retransmission, S(WTX), S(IFS) both ways, S(ABORT), and
 * error recovery: up to three retries of a block, then up to three S(RESYNCH) (§11.6.3). A
 * command whose last I-block went out is never sent again after a resync (T1_RESYNCHRONISED).
 * I/O is one callback: send a block, get the card's block back (one CCID XfrBlock).
 */
import { CcidError, T1Error } from './errors.ts';
import type { Edc, T1Block } from './t1-block.ts';
import { decodeBlock, encodeBlock } from './t1-block.ts';

export interface T1Link {
  /** Sends one block and returns the card's answer; `bwi` carries a WTX multiplier (0 = none). */
  exchange(block: Uint8Array, bwi: number): Promise<Uint8Array>;
}

export interface T1Options {
  /** IFSC from the ATR (TA of the first T=1 group, default 32). */
  readonly ifsc: number;
  readonly edc?: Edc;
  /** Largest block the reader carries in one message: dwMaxCCIDMessageLength - 10. */
  readonly maxBlock?: number;
}

const MAX_RETRIES = 3;
const MAX_RESYNCS = 3;

export class T1Session {
  private ns = 0;
  private nr = 0;
  private stale = false;
  private ifsc: number;
  private readonly initialIfsc: number;
  private ifsd = 32;
  private negotiatedIfsd: number | undefined;
  private readonly edc: Edc;
  private readonly maxBlock: number;
  readonly stats = { blocks: 0, resyncs: 0, retransmissions: 0 };

  constructor(private readonly link: T1Link, options: T1Options) {
    this.ifsc = clampIfs(options.ifsc);
    this.initialIfsc = this.ifsc;
    this.edc = options.edc ?? 'lrc';
    this.maxBlock = options.maxBlock ?? 259;
  }

  /** The largest INF the host sends: IFSC, and what fits in one reader message. */
  private get sendMax(): number {
    return Math.max(1, Math.min(this.ifsc, this.maxBlock - 3 - (this.edc === 'crc' ? 2 : 1)));
  }

  get currentIfsd(): number { return this.ifsd; }
  get currentIfsc(): number { return this.ifsc; }

  /** S(IFS request) with the host's IFSD (§11.4.2), as libccid does when AUTO_IFSD is clear. */
  async negotiateIfsd(ifsd: number): Promise<void> {
    const want = Math.max(1, Math.min(254, ifsd, this.maxBlock - 3 - (this.edc === 'crc' ? 2 : 1)));
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      let reply: T1Block;
      try {
        reply = decodeBlock(await this.send({ kind: 'S', type: 'ifs', response: false, inf: Uint8Array.of(want) }, 0), this.edc);
      } catch (err) {
        if (err instanceof T1Error) continue;
        throw err;
      }
      if (reply.kind === 'S' && reply.type === 'ifs' && reply.response && reply.inf[0] === want) {
        this.ifsd = want;
        this.negotiatedIfsd = want;
        return;
      }
    }
    throw new T1Error('T1_PROTOCOL', 'The card did not accept the IFSD negotiation (S(IFS request)).');
  }

  /** Sends a whole APDU and returns the whole response (§11.6.2 chaining). */
  async transceive(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.stale) {
      // A previous exchange broke off mid-block (timeout, USB error): the card may hold an
      // answer we never read, so both sides restart from S(RESYNCH) (§11.6.3.2 rule 6).
      await this.resynchronise();
      this.stale = false;
    }
    for (let resyncs = 0; ; resyncs++) {
      try {
        return await this.transaction(apdu);
      } catch (err) {
        if (!(err instanceof NeedResync)) {
          if (!(err instanceof T1Error)) this.stale = true;
          throw err;
        }
        if (resyncs >= MAX_RESYNCS) throw new T1Error('T1_PROTOCOL', 'The card still fails after three T=1 resynchronisations.');
        await this.resynchronise();
        // §11.6.3.2 rule 6 only restores the block layer; it says nothing of the command. Once
        // the last I-block (M = 0) has gone out, the card may have run the command and lost only
        // its answer, so sending it again could run it twice (a VERIFY would cost two PIN tries).
        // Before that, the card holds an incomplete chain (§11.6.2.3), which S(RESYNCH) drops.
        if (err.commandSent) throw new T1Error('T1_RESYNCHRONISED', 'The reader lost sync with the card, so the command was not repeated; try again.');
      }
    }
  }

  private async send(block: T1Block, bwi: number): Promise<Uint8Array> {
    this.stats.blocks++;
    const bytes = encodeBlock(block, this.edc);
    try {
      return await this.link.exchange(bytes, bwi);
    } finally {
      // An I-block may carry a PIN: zero this copy once the link is done with it (a
      // retransmission encodes the block again from the command).
      bytes.fill(0);
    }
  }

  /** S(RESYNCH), §11.6.3.2 rule 6: resets both sequence numbers; retried three times. */
  private async resynchronise(): Promise<void> {
    this.stats.resyncs++;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      try {
        const reply = decodeBlock(await this.send({ kind: 'S', type: 'resynch', response: false, inf: new Uint8Array(0) }, 0), this.edc);
        if (reply.kind === 'S' && reply.type === 'resynch' && reply.response) {
          this.ns = 0;
          this.nr = 0;
          this.ifsc = this.initialIfsc;
          this.ifsd = 32;
          if (this.negotiatedIfsd !== undefined) await this.negotiateIfsd(this.negotiatedIfsd);
          return;
        }
      } catch (err) {
        if (!(err instanceof T1Error) || err.code !== 'T1_BAD_BLOCK') throw err;
      }
    }
    throw new T1Error('T1_PROTOCOL', 'The card does not answer T=1 resynchronisation; remove and reinsert it.');
  }

  private async transaction(apdu: Uint8Array): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for (let off = 0; off < apdu.length || chunks.length === 0; off += this.sendMax) chunks.push(apdu.subarray(off, off + this.sendMax));
    let index = 0;
    let lastI: T1Block = { kind: 'I', ns: this.ns, more: chunks.length > 1, inf: chunks[0]! };
    let toSend: T1Block = lastI;
    let sending = true;
    let bwi = 0;
    let retries = 0;
    // Set once the I-block that completes the command (M = 0) has been handed to the link.
    let commandSent = false;
    const parts: Uint8Array[] = [];
    // Bound on blocks in one APDU: chunks both ways plus recovery and WTX; stops a hostile card.
    const limit = 64 + 4 * (chunks.length + 300);
    for (let n = 0; n < limit; n++) {
      if (toSend.kind === 'I' && !toSend.more) commandSent = true;
      const raw = await this.send(toSend, bwi);
      bwi = 0;
      let block: T1Block;
      try {
        block = decodeBlock(raw, this.edc);
      } catch (err) {
        if (!(err instanceof CcidError) || err.code !== 'T1_BAD_BLOCK') throw err;
        // Rule 7.1: an invalid block is answered with R(N(R)) signalling an EDC error.
        if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
        this.stats.retransmissions++;
        toSend = { kind: 'R', nr: this.nr, error: 1 };
        continue;
      }
      if (block.kind === 'S') {
        if (block.response) {
          if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
          toSend = { kind: 'R', nr: this.nr, error: 2 };
          continue;
        }
        if (block.type === 'wtx') {
          // Rule 3: answer S(WTX response) with the same INF; it multiplies the next BWT.
          bwi = block.inf[0] ?? 1;
          toSend = { kind: 'S', type: 'wtx', response: true, inf: block.inf };
          continue;
        }
        if (block.type === 'ifs') {
          this.ifsc = clampIfs(block.inf[0] ?? 32);
          toSend = { kind: 'S', type: 'ifs', response: true, inf: block.inf };
          continue;
        }
        if (block.type === 'abort') {
          await this.send({ kind: 'S', type: 'abort', response: true, inf: new Uint8Array(0) }, 0).catch(() => undefined);
          this.ns = 0;
          this.nr = 0;
          throw new T1Error('T1_ABORTED', 'The card aborted the command (S(ABORT)).');
        }
        // A card must not ask the host to resynchronise; treat it as an invalid block.
        if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
        toSend = { kind: 'R', nr: this.nr, error: 2 };
        continue;
      }
      if (block.kind === 'R') {
        if (sending && lastI.kind === 'I' && block.nr !== lastI.ns && lastI.more) {
          // Rule 2.2: acknowledgement of a chained block; send the next one.
          this.ns ^= 1;
          index++;
          retries = 0;
          lastI = { kind: 'I', ns: this.ns, more: index < chunks.length - 1, inf: chunks[index]! };
          toSend = lastI;
          continue;
        }
        // Rule 7.x: the card asks for a retransmission of our last block.
        if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
        this.stats.retransmissions++;
        if (sending) toSend = lastI;
        continue;
      }
      // I-block from the card.
      if (sending && lastI.kind === 'I' && lastI.more) {
        if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
        toSend = { kind: 'R', nr: this.nr, error: 2 };
        continue;
      }
      if (block.ns !== this.nr) {
        if (++retries > MAX_RETRIES) throw new NeedResync(commandSent);
        toSend = { kind: 'R', nr: this.nr, error: 2 };
        continue;
      }
      if (sending) {
        // The card's first I-block acknowledges our last one (rule 2.1).
        this.ns ^= 1;
        sending = false;
      }
      this.nr ^= 1;
      retries = 0;
      parts.push(block.inf);
      if (!block.more) return concat(parts);
      toSend = { kind: 'R', nr: this.nr, error: 0 };
    }
    throw new T1Error('T1_PROTOCOL', 'The T=1 exchange did not complete; the card keeps the transaction open.');
  }
}

/** Too many bad blocks (§11.6.3.2 rule 6); `commandSent`: the command's last I-block went out. */
class NeedResync extends Error {
  constructor(readonly commandSent: boolean) {
    super('T=1 resynchronisation needed');
  }
}

function clampIfs(v: number): number {
  // §11.4.2: IFS 0x01..0xFE; 0 and FF are invalid and fall back to the default 32.
  return v >= 1 && v <= 254 ? v : 32;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
