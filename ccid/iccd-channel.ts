/**
 * ICCD version B (USB ICCD rev 1.0 §6.3, bInterfaceProtocol 2): tokens without bulk
 * endpoints, driven by class requests on the control pipe. This channel turns the driver's
 * CCID messages into those requests and the answers back into CCID replies, so CcidCard
 * works unchanged. Requests as libccid sends them: power on 62h (wValue 1), power off 63h,
 * XfrBlock 65h (wValue = level parameter << 8), DataBlock 6Fh (IN, bResponseType first),
 * SlotStatus 81h (IN, 3 bytes).
 */
import type { ChannelStats, MessageChannel } from './channel.ts';
import { MAX_COMMAND_MS } from './channel.ts';
import { boundTransfer, started, TRANSFER_TIMEOUT_MS } from './transfer-timeout.ts';
import { CardDesynchronizedError, CardResetError, CcidProtocolError, CcidTimeoutError, ReaderWedgedError, UsbTransferError } from './errors.ts';
import type { CommandMessage, ReplyMessage } from './message.ts';
import { Command, Reply, REPLY_TO } from './message.ts';
import type { UsbControlSetup, UsbDeviceLike } from './usb-device.ts';
import { inData } from './usb-device.ts';
import { reclaimAfterReset } from './reclaim.ts';

/** bResponseType of a DataBlock (ICCD §6.3.3): 00/01/02/03/10 data, 40 status, 80 polling. */
const STATUS_INFORMATION = 0x40;
const POLLING = 0x80;
const MAX_POLLS = 3000;
const WEDGED = 'The token stopped taking requests and could not be reset; a command sent before may still reach it. Unplug it and plug it in again.';

/** Marks an OUT request the token refused with a stall: a request error (USB 2.0 §9.2.7), nothing was acted on. */
class RequestStalledError extends Error {}

export class IccdBChannel implements MessageChannel {
  readonly stats: ChannelStats = { transfers: 0, bytesOut: 0, bytesIn: 0 };
  private powered = false;
  /**
   * Set when a command failed once its request may have reached the token: a timeout, or any failure after the
   * XfrBlock request went out (the DataBlock request failing as a transfer, an empty block, an unknown bResponseType).
   * A DataBlock (ICCD rev 1.0 §6.3.3) carries no sequence number, so the answer the token still holds would be read as
   * the next command's. libccid polls without a bound and turns a failed request into IFD_COMMUNICATION_ERROR;
   * applications then reconnect, and its CmdPowerOn powers the ICC off and on. Failing every later command with
   * CardDesynchronizedError until a power on completes is that recovery: resending or resetting on our own would lose
   * the card's state (the application selected, the PIN verified) under the caller.
   */
  private desynchronized = false;
  /**
   * Set when a control transfer timed out: it is still pending, and later requests queue behind it. Also set by an
   * untracked request (the poller's SlotStatus, an ICC power off); it is swept only when a tracked command then times
   * out behind it, so the flag can outlive its cause until then.
   */
  private stuck = false;
  /** Set when a stuck request could not be swept away by a USB reset: it may still reach the token, nothing more is sent. */
  private wedged = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** One control transfer's limit: libccid's write timeout, or the read timeout if longer. */
  private readonly transferMs: number;
  /** The longest one command may take, polling included (as the bulk channel's time extensions). */
  private readonly commandMs: number;

  constructor(
    private readonly device: UsbDeviceLike,
    private readonly interfaceNumber: number,
    private readonly maxMessageLength: number,
    options: { readonly timeoutMs?: number; readonly maxCommandMs?: number } = {},
  ) {
    this.transferMs = Math.max(options.timeoutMs ?? 3000, TRANSFER_TIMEOUT_MS);
    this.commandMs = options.maxCommandMs ?? MAX_COMMAND_MS;
  }

  /** Waits for a control transfer at most `transferMs`; a token that never completes it is CcidTimeoutError. */
  private async bounded<T>(transfer: Promise<T>, request: number): Promise<T> {
    try {
      return await boundTransfer(transfer, this.transferMs, `The token did not complete ICCD request 0x${request.toString(16)} within ${this.transferMs / 1000} s.`);
    } catch (err) {
      if (err instanceof CcidTimeoutError) this.stuck = true;
      throw err;
    }
  }

  private setup(request: number, value: number): UsbControlSetup {
    return { requestType: 'class', recipient: 'interface', request, value, index: this.interfaceNumber };
  }

  exchange(msg: Omit<CommandMessage, 'seq'>): Promise<ReplyMessage> {
    const run = this.queue.then(() => this.exchangeNow(msg));
    this.queue = run.catch(() => undefined);
    return run;
  }

  abort(slot: number): Promise<ReplyMessage> {
    return Promise.resolve(this.reply(Command.Abort, slot, 0x40, 0x00, 0));
  }

  cardRemoved(_slot: number): void {
    this.powered = false;
  }

  private async exchangeNow(msg: Omit<CommandMessage, 'seq'>): Promise<ReplyMessage> {
    if (this.wedged) throw new ReaderWedgedError(WEDGED);
    switch (msg.type) {
      case Command.IccPowerOn:
        return this.tracked(async () => {
          // ICC power off first, as libccid's CmdPowerOn does for ICCD "to reset the ICC state machine" (§6.3): the
          // token drops an answer it still holds for a timed-out command, and the next DataBlock is the ATR.
          await this.out(0x63, 0);
          this.powered = false;
          await this.out(0x62, 1);
          const reply = await this.dataBlock(msg.type, msg.slot, true);
          this.desynchronized = false;
          return reply;
        });
      case Command.IccPowerOff:
        await this.out(0x63, 0);
        this.powered = false;
        return this.slotStatus(msg.type, msg.slot);
      case Command.GetSlotStatus:
        return this.slotStatus(msg.type, msg.slot);
      case Command.XfrBlock: {
        if (this.desynchronized) throw new CardDesynchronizedError();
        const level = msg.specific?.[1] ?? 0;
        return this.tracked(async () => {
          await this.out(0x65, level << 8, msg.data);
          return this.dataBlock(msg.type, msg.slot, false);
        });
      }
      default:
        // ICCD has no SetParameters, Escape or Abort: "command not supported" (bError 0).
        return this.reply(msg.type, msg.slot, 0x40 | (this.powered ? 0 : 1), 0x00, 0);
    }
  }

  /**
   * Runs a request whose answer comes by DataBlock. Any failure leaves the channel desynchronised (see
   * `desynchronized`) except a refused XfrBlock request, which the token never took; a timed-out control transfer is
   * swept away by a USB reset (see `resetToken`).
   */
  private async tracked(run: () => Promise<ReplyMessage>): Promise<ReplyMessage> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof UsbTransferError && err.cause instanceof RequestStalledError)) this.desynchronized = true;
      if (err instanceof CcidTimeoutError && this.stuck) await this.resetToken();
      throw err;
    }
  }

  /**
   * A control transfer that timed out is still pending (WebUSB cannot cancel one), and every later request waits
   * behind it on the control pipe (USB 2.0 §5.5): a stuck XfrBlock (a VERIFY) would reach the token whenever it let
   * go, after the caller was told it failed. USBDevice.reset cancels it (it rejects; the token restarts unpowered):
   * CardResetError, the card must be connected again. Without a reset, or if the reset or the claim after it fails,
   * the request may still reach the token: the channel is wedged (ReaderWedgedError) and sends nothing more.
   */
  private async resetToken(): Promise<never> {
    const device = this.device;
    try {
      if (!device.reset) throw new ReaderWedgedError(WEDGED);
      await boundTransfer(started(() => device.reset!()), this.transferMs, 'The token did not complete a USB reset.');
      this.stuck = false;
      this.powered = false;
      await reclaimAfterReset(device, this.interfaceNumber, this.transferMs);
    } catch {
      this.wedged = true;
      throw new ReaderWedgedError(WEDGED);
    }
    throw new CardResetError('The token stopped answering and was reset, which powered the card off. Connect the card again.');
  }

  private async out(request: number, value: number, data?: Uint8Array): Promise<void> {
    let r;
    const copy = data ? Uint8Array.from(data) : new Uint8Array(0);
    const transfer = started(() => this.device.controlTransferOut(this.setup(request, value), copy));
    // A command APDU (a PIN in a VERIFY): zeroed once the transfer has settled, not before, even after a timeout.
    transfer.then(() => copy.fill(0), () => copy.fill(0));
    try {
      r = await this.bounded(transfer, request);
    } catch (err) {
      if (err instanceof CcidTimeoutError) throw err;
      throw new UsbTransferError(`The token refused an ICCD request: ${(err as Error).message ?? err}`, { cause: err });
    }
    this.stats.transfers++;
    this.stats.bytesOut += 8 + (data?.length ?? 0);
    if (r.status === 'stall') {
      const stalled = new RequestStalledError(`The token refused (stalled) ICCD request 0x${request.toString(16)}.`);
      throw new UsbTransferError(stalled.message, { cause: stalled });
    }
  }

  private async in(request: number, length: number): Promise<Uint8Array> {
    let r;
    try {
      r = await this.bounded(started(() => this.device.controlTransferIn(this.setup(request, 0), length)), request);
    } catch (err) {
      if (err instanceof CcidTimeoutError) throw err;
      throw new UsbTransferError(`The token refused an ICCD request: ${(err as Error).message ?? err}`, { cause: err });
    }
    this.stats.transfers++;
    if (r.status === 'stall') throw new UsbTransferError(`The token stalled ICCD request 0x${request.toString(16)}.`);
    const data = inData(r);
    this.stats.bytesIn += data.length;
    return data;
  }

  /** ICCD SlotStatus: the first byte 80h means no (or a mute) card. */
  private async slotStatus(type: number, slot: number): Promise<ReplyMessage> {
    const s = await this.in(0x81, 3);
    if (s.length < 1) throw new CcidProtocolError('The token sent an empty ICCD slot status.');
    const icc = s[0] === 0x80 ? 2 : this.powered ? 0 : 1;
    return this.reply(type, slot, icc, 0, 0);
  }

  /**
   * DataBlock, polled while the token answers 80h (time extension, delay in 10 ms units), for at most
   * MAX_POLLS polls and the command limit: a token asking for its largest delay each time would otherwise
   * hold a command for MAX_POLLS seconds.
   */
  private async dataBlock(type: number, slot: number, powerOn: boolean): Promise<ReplyMessage> {
    const deadline = Date.now() + this.commandMs;
    for (let polls = 0; polls < MAX_POLLS; polls++) {
      const b = await this.in(0x6f, this.maxMessageLength);
      if (b.length < 1) throw new CcidProtocolError('The token sent an empty ICCD data block.');
      const responseType = b[0]!;
      if (responseType === POLLING) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const delay = Math.max(1, (b[1] ?? 0) | ((b[2] ?? 0) << 8));
        await new Promise((r) => setTimeout(r, Math.min(delay * 10, 1000, left)));
        continue;
      }
      if (responseType === STATUS_INFORMATION) {
        // Byte 2 is bError (libccid reads it so); byte 1 carries the ICC status in its low
        // bits as in a CCID bStatus (2: no card), which is how a removal shows.
        const icc = ((b[1] ?? 0) & 0x03) === 2 ? 2 : this.powered ? 0 : 1;
        if (icc === 2) this.powered = false;
        return this.reply(type, slot, 0x40 | icc, b[2] ?? 0xfb, 0);
      }
      if (![0x00, 0x01, 0x02, 0x03, 0x10].includes(responseType)) {
        throw new CcidProtocolError(`The token sent an unknown ICCD bResponseType 0x${responseType.toString(16)}.`);
      }
      if (powerOn) this.powered = true;
      return this.reply(type, slot, 0, 0, responseType, b.slice(1));
    }
    throw new CcidTimeoutError(`The token kept asking for more time (ICCD polling); giving up after ${this.commandMs / 1000} s.`);
  }

  private reply(type: number, slot: number, bStatus: number, bError: number, specific: number, data: Uint8Array = new Uint8Array(0)): ReplyMessage {
    const icc = (['active', 'inactive', 'absent'] as const)[bStatus & 3] ?? 'absent';
    return {
      type: REPLY_TO[type] ?? Reply.SlotStatus,
      slot,
      seq: 0,
      bStatus,
      bError,
      specific,
      iccStatus: icc,
      commandStatus: bStatus & 0x40 ? 'failed' : 'ok',
      data,
    };
  }
}
