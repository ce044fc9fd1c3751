// The APDU exchange above a transport: command chaining (ISO/IEC 7816-4 §5.1.1.1),
// GET RESPONSE on 61 xx and re-issue on 6C xx (§5.3.4, §5.1.3), typed status errors.
import {
  concatBytes, encodeApdu, parseResponse, SHORT_MAX_DATA, SHORT_MAX_LE, EXTENDED_MAX_LE, SW_OK,
  type CommandApdu, type ResponseApdu,
} from './apdu.ts';
import { CardError, CardTransportError, MalformedResponseError, statusError } from './errors.ts';

/** What card/ needs from a reader: the whole command APDU in, data + SW1 SW2 out. */
export interface ApduTransport {
  transmit(command: Uint8Array): Promise<Uint8Array>;
}

export interface ChannelOptions {
  /** Use extended-length APDUs (the reader and card both support them). Default false. */
  readonly extended?: boolean;
  /** Largest data field per APDU in extended mode before chaining (YubiKey 4.3+: 3062-ish). */
  readonly maxExtendedData?: number;
}

/**
 * Instructions whose data is reference data (ISO/IEC 7816-4 §11.5.6-§11.5.10; SP 800-73-4
 * Part 2 §3.2.1-§3.2.3): VERIFY 20, CHANGE REFERENCE DATA 24, RESET RETRY COUNTER 2C.
 */
const CARRIES_SECRET = new Set([0x20, 0x24, 0x2c]);

/** A guard against a card that answers 61 xx forever. */
const MAX_RESPONSE_BYTES = 1 << 20;
/** GET RESPONSE rounds per command: 1 MiB in full 256-byte parts; a card sending less is cut off too. */
const MAX_GET_RESPONSE_ROUNDS = MAX_RESPONSE_BYTES / 256;

export class CardChannel {
  readonly extended: boolean;
  private readonly maxExtendedData: number;
  constructor(private readonly transport: ApduTransport, options: ChannelOptions = {}) {
    this.extended = options.extended ?? false;
    this.maxExtendedData = options.maxExtendedData ?? 3052;
  }

  /** One transport exchange, with transport failures turned into a typed error. */
  private async raw(cmd: CommandApdu): Promise<ResponseApdu> {
    const bytes = encodeApdu(cmd, this.extended);
    let answer: Uint8Array;
    try {
      answer = await this.transport.transmit(bytes);
    } catch (err) {
      throw transportError(err);
    } finally {
      // The encoded command holds the PIN (or PIN and new PIN, PUK): wipe it once sent.
      if (CARRIES_SECRET.has(cmd.ins)) bytes.fill(0);
    }
    return parseResponse(answer);
  }


  /**
   * Sends a command, chaining the data if needed, collecting 61 xx continuations and
   * re-issuing on 6C xx. Returns the final status word; does not throw on card errors.
   */
  async send(cmd: CommandApdu): Promise<ResponseApdu> {
    const data = cmd.data ?? new Uint8Array(0);
    const chunk = this.extended ? this.maxExtendedData : SHORT_MAX_DATA;
    const defaultLe = this.extended ? EXTENDED_MAX_LE : SHORT_MAX_LE;
    // Command chaining: CLA bit 0x10 on every block but the last (§5.1.1.1).
    let offset = 0;
    while (data.length - offset > chunk) {
      const part = data.subarray(offset, offset + chunk);
      const r = await this.raw({ cla: cmd.cla | 0x10, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: part });
      if (r.sw !== SW_OK) return r;
      offset += chunk;
    }
    const last = data.subarray(offset);
    const final = (le: number | undefined): CommandApdu => ({
      cla: cmd.cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2,
      ...(last.length > 0 ? { data: last } : {}),
      ...(le === undefined ? {} : { le }),
    });
    let r = await this.raw(final(cmd.le === undefined ? undefined : Math.min(cmd.le, defaultLe)));
    if ((r.sw >> 8) === 0x6c) {
      // Wrong Le: re-issue the same command with Le = SW2 (§5.1.3, 6C xx).
      r = await this.raw(final((r.sw & 0xff) || 256));
    }
    const parts: Uint8Array[] = [r.data];
    let total = r.data.length;
    let rounds = 0;
    while ((r.sw >> 8) === 0x61) {
      // More data available: GET RESPONSE with Le = SW2 (00 means 256) (§7.6.1).
      if (++rounds > MAX_GET_RESPONSE_ROUNDS) throw new MalformedResponseError(`The card still announces more response data after ${MAX_GET_RESPONSE_ROUNDS} GET RESPONSE commands`);
      const n = (r.sw & 0xff) || 256;
      r = await this.raw({ cla: cmd.cla & 0xef, ins: 0xc0, p1: 0, p2: 0, le: n });
      // An answer with no data that announces more again makes no progress (§7.6.1: it returns the data).
      if (r.data.length === 0 && (r.sw >> 8) === 0x61) throw new MalformedResponseError('The card announced response data (61 xx) but GET RESPONSE returned none');
      total += r.data.length;
      if (total > MAX_RESPONSE_BYTES) throw new MalformedResponseError('The card keeps sending response data past 1 MiB');
      parts.push(r.data);
    }
    return { data: parts.length === 1 ? r.data : concatBytes(parts), sw: r.sw };
  }

  /** Like send(), but throws the typed status error unless the card answered 90 00. */
  async call(cmd: CommandApdu): Promise<Uint8Array> {
    const r = await this.send(cmd);
    if (r.sw !== SW_OK) throw statusError(r.sw);
    return r.data;
  }
}

function transportError(err: unknown): CardError {
  if (err instanceof CardError) return err;
  // A typed transport error (a stable code) already says what happened in a sentence.
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string') return new CardTransportError(err.message, { cause: err, transportCode: code });
  return new CardTransportError(`The card or reader stopped answering: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
