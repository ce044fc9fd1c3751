/**
 * A powered card in one reader slot. It satisfies card/'s ApduTransport structurally
 * (`transmit`: whole command APDU in, whole response with SW1 SW2 out) and picks the path
 * from the reader's exchange level and the protocol: T=0 or T=1 TPDU, short or extended APDU.
 */
import { encodeShortApdu, parseCommandApdu } from './apdu.ts';
import type { Atr } from './atr.ts';
import { parseAtr } from './atr.ts';
import type { MessageChannel } from './channel.ts';
import { Feature } from './descriptor.ts';
import { CardRemovedError, CardResetError, CcidError, CcidProtocolError, CcidSlotError, NoCardError, UnsupportedReaderError } from './errors.ts';
import { transmitApduLevel } from './extended-apdu.ts';
import type { ReplyMessage } from './message.ts';
import { Command, describeSlotError, SlotErrorCode, xfrSpecific } from './message.ts';
import { checkPpsResponse, chooseProtocol, needsPps, ppsRequest, protocolData, usableTa1 } from './parameters.ts';
import type { CcidReader } from './reader.ts';
import { collectResponse, transmitT0 } from './t0.ts';
import { T1Session } from './t1.ts';

export interface CardOptions {
  /** Follow 61xx with GET RESPONSE inside transmit (default true). */
  readonly autoGetResponse?: boolean;
}

export class CcidCard {
  private removed = false;
  /** The reader was reset under this card (channel.ts settleTimedOutWrite): it is unpowered, not removed. */
  private reset = false;
  private t1: T1Session | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxData: number;
  private readonly autoGetResponse: boolean;

  private constructor(
    readonly reader: CcidReader,
    private readonly channel: MessageChannel,
    readonly slot: number,
    readonly atr: Atr,
    readonly protocol: 0 | 1,
    options: CardOptions,
  ) {
    this.maxData = reader.maxData;
    this.autoGetResponse = options.autoGetResponse ?? true;
  }

  /** IccPowerOn, ATR, then PPS / SetParameters / IFSD as the reader needs (libccid order). */
  static async connect(reader: CcidReader, channel: MessageChannel, slot: number, options: CardOptions): Promise<CcidCard> {
    const desc = reader.descriptor;
    const atrBytes = await powerOn(channel, slot, desc.dwFeatures, desc.bVoltageSupport);
    const atr = parseAtr(atrBytes);
    const protocol = chooseProtocol(atr, desc);
    const card = new CcidCard(reader, channel, slot, atr, protocol, options);
    if (!(desc.dwFeatures & Feature.AUTO_PPS_PROP)) {
      let ta1 = usableTa1(atr, desc);
      if (reader.level === 'tpdu' && needsPps(atr, desc, protocol, ta1)) {
        const request = ppsRequest(protocol, ta1);
        const reply = await card.xfr(request, 0);
        const agreed = checkPpsResponse(request, reply.data);
        if (agreed === undefined) throw new UnsupportedReaderError('The card refused the protocol negotiation (PPS); remove and reinsert it.');
        ta1 = agreed;
      }
      await card.command(Command.SetParameters, [protocol, 0, 0], protocolData(atr, protocol, ta1));
    }
    if (reader.level === 'tpdu' && protocol === 1) {
      card.t1 = new T1Session({ exchange: async (block, bwi) => (await card.xfr(block, 0, bwi)).data }, {
        ifsc: atr.t1.ifsc,
        edc: atr.t1.crc ? 'crc' : 'lrc',
        maxBlock: card.maxData,
      });
      if (!(desc.dwFeatures & Feature.AUTO_IFSD)) {
        const ifsd = desc.dwMaxIFSD >= 1 && desc.dwMaxIFSD <= 254 ? desc.dwMaxIFSD : 254;
        await card.t1.negotiateIfsd(ifsd);
      }
    }
    return card;
  }

  get isRemoved(): boolean {
    return this.removed;
  }

  /** Called by the reader on a removal event: this and every later command fails. */
  markRemoved(): void {
    this.removed = true;
  }

  /**
   * ApduTransport: one whole command APDU in, the whole response (data + SW1 SW2) out.
   * Commands run one after the other: a T=1 exchange (ISO/IEC 7816-3 §11.6, one block
   * sequence per command) or a GET RESPONSE series (ISO/IEC 7816-4 §7.6.1) cannot interleave.
   */
  transmit(command: Uint8Array): Promise<Uint8Array> {
    const run = this.queue.then(() => this.transmitNow(command));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transmitNow(command: Uint8Array): Promise<Uint8Array> {
    if (this.removed) throw this.gone();
    const apdu = parseCommandApdu(command);
    const send = async (bytes: Uint8Array): Promise<Uint8Array> => (await this.xfr(bytes, 0)).data;
    const maxLe = Math.max(1, Math.min(256, this.maxData - 2));
    const cla = apdu.header[0]!;
    switch (this.reader.level) {
      case 'tpdu': {
        if (this.protocol === 0) return transmitT0(send, apdu, this.maxData);
        const t1 = this.t1!;
        const first = await t1.transceive(command);
        return this.autoGetResponse ? collectResponse((b) => t1.transceive(b), checkResponse(first), cla, 256) : first;
      }
      case 'short-apdu': {
        // A short-level reader carries short APDUs only; an extended Le becomes Le = 00
        // followed by GET RESPONSE, and Le shrinks to what fits in one reader message.
        const ne = apdu.hasLe ? Math.min(apdu.ne, maxLe) : 0;
        const short = encodeShortApdu(apdu.header, apdu.data, ne);
        let first: Uint8Array;
        try {
          if (short.length > this.maxData) throw new CcidError('APDU_TOO_LONG', `This reader carries at most ${this.maxData} bytes per APDU; the command has ${short.length}.`);
          first = checkResponse(await send(short));
        } finally {
          // Our copy of the command (a PIN in a VERIFY) is zeroed once sent.
          short.fill(0);
        }
        return this.autoGetResponse ? collectResponse(send, first, cla, maxLe) : first;
      }
      case 'extended-apdu': {
        const xfr = (data: Uint8Array, level: number): Promise<ReplyMessage> => this.xfr(data, level);
        const first = checkResponse(await transmitApduLevel(xfr, command, this.maxData));
        const again = (b: Uint8Array): Promise<Uint8Array> => transmitApduLevel(xfr, b, this.maxData);
        return this.autoGetResponse ? collectResponse(again, first, cla, 256) : first;
      }
      case 'character':
        throw new UnsupportedReaderError('This reader only offers the character level.');
    }
  }

  /** Escape (§6.1.8): a vendor command to the reader itself. */
  async escape(data: Uint8Array): Promise<Uint8Array> {
    return (await this.command(Command.Escape, [0, 0, 0], data)).data;
  }

  /** GetParameters (§6.1.5): protocol number and data structure in force. */
  async getParameters(): Promise<{ protocol: number; data: Uint8Array }> {
    const r = await this.command(Command.GetParameters, [0, 0, 0]);
    return { protocol: r.specific, data: r.data };
  }

  /** ResetParameters (§6.1.6): back to the ATR's defaults. */
  async resetParameters(): Promise<void> {
    await this.command(Command.ResetParameters, [0, 0, 0]);
  }

  /** Aborts the slot's command in flight (§5.3.1 + §6.1.13). */
  async abort(): Promise<void> {
    const reply = await this.channel.abort(this.slot);
    this.check(reply);
  }

  /** IccPowerOff (§6.1.2). The card object is unusable afterwards. */
  async disconnect(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await this.channel.exchange({ type: Command.IccPowerOff, slot: this.slot }).catch(() => undefined);
  }

  private async xfr(data: Uint8Array, levelParameter: number, bwi = 0): Promise<ReplyMessage> {
    return this.command(Command.XfrBlock, xfrSpecific(bwi, levelParameter), data);
  }

  private async command(type: number, specific: [number, number, number], data?: Uint8Array): Promise<ReplyMessage> {
    if (this.removed) throw this.gone();
    let reply: ReplyMessage;
    try {
      reply = await this.channel.exchange({ type, slot: this.slot, specific, ...(data ? { data } : {}) });
    } catch (err) {
      if (err instanceof CardRemovedError) this.removed = true;
      if (err instanceof CardResetError) this.removed = this.reset = true;
      throw err;
    }
    return this.check(reply);
  }

  /** Why this card can no longer be used. */
  private gone(): CcidError {
    return this.reset ? new CardResetError() : new CardRemovedError();
  }

  private check(reply: ReplyMessage): ReplyMessage {
    // Absent or unpowered after we powered it on: the card was removed (perhaps reinserted).
    if (reply.iccStatus !== 'active') {
      this.removed = true;
      throw new CardRemovedError();
    }
    if (reply.commandStatus === 'failed') {
      throw new CcidSlotError(reply.bStatus, reply.bError, `The reader reports that ${describeSlotError(reply.bError)}.`);
    }
    return reply;
  }
}

async function powerOn(channel: MessageChannel, slot: number, features: number, voltages: number): Promise<Uint8Array> {
  // bPowerSelect (§6.1.1): 0 automatic, 1 5 V, 2 3 V, 3 1.8 V. libccid starts at 5 V.
  const auto = (features & Feature.AUTO_VOLTAGE) !== 0;
  const order = auto ? [0] : [1, 2, 3].filter((v) => voltages === 0 || voltages & (1 << (v - 1)));
  if (!order.includes(0)) order.push(0);
  let last: ReplyMessage | undefined;
  for (const power of order) {
    last = await channel.exchange({ type: Command.IccPowerOn, slot, specific: [power, 0, 0] });
    if (last.iccStatus === 'absent') throw new NoCardError();
    if (last.commandStatus === 'ok') {
      if (last.data.length < 2) throw new CcidProtocolError('The reader returned an empty ATR.');
      return last.data;
    }
    // Offset 7 is bPowerSelect: the reader rejects that voltage, try the next one.
    if (last.bError !== 0x07 && last.bError !== SlotErrorCode.ICC_CLASS_NOT_SUPPORTED) break;
  }
  throw new CcidSlotError(last!.bStatus, last!.bError, `The card could not be powered on: ${describeSlotError(last!.bError)}.`);
}

function checkResponse(r: Uint8Array): Uint8Array {
  if (r.length < 2) throw new CcidError('APDU_RESPONSE', `The card answered with ${r.length} byte(s); a response needs SW1 SW2.`);
  return r;
}
