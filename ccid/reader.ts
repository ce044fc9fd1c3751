/**
 * A CCID reader: one CCID interface of a USB device, with its slots. Opens and claims the
 * interface, reads the class descriptor, powers cards on, and reports slot events.
 */
import { CcidCard } from './card.ts';
import type { CardOptions } from './card.ts';
import { CcidChannel } from './channel.ts';
import type { MessageChannel } from './channel.ts';
import { IccdBChannel } from './iccd-channel.ts';
import type { CcidClassDescriptor, CcidInterfaceInfo, ExchangeLevel } from './descriptor.ts';
import { exchangeLevel, findCcidInterfaces, readConfigurationDescriptor } from './descriptor.ts';
import { messageDataSize, messageSizeProblem } from './message-size.ts';
import { CcidError, CcidProtocolError, ReaderBusyError, UnsupportedReaderError } from './errors.ts';
import type { IccStatus } from './message.ts';
import { Command } from './message.ts';
import type { SlotEvent } from './slot-events.ts';
import { diffPresence, parseInterrupt } from './slot-events.ts';
import type { UsbDeviceLike } from './usb-device.ts';
import { inData } from './usb-device.ts';

export interface ReaderOptions {
  /** Read timeout per CCID reply before time extensions (default 3000 ms). */
  readonly timeoutMs?: number;
  /** GetSlotStatus polling period for readers without an interrupt endpoint (default 500 ms). */
  readonly pollMs?: number;
  /** The longest one command may take, time extensions included (default 5 minutes, channel.ts MAX_COMMAND_MS). */
  readonly maxCommandMs?: number;
}

/**
 * libccid's forced levels (ccid.c, ccid_open_hack_pre): these firmwares advertise one
 * level but use chaining, i.e. speak the extended APDU level.
 */
const FORCED_EXTENDED = new Set([0x076b3021, 0x076b3a21, 0x076b6632, 0x046a0010, 0x0bf81024]);

export class CcidReader {
  readonly slotCount: number;
  readonly level: ExchangeLevel;
  readonly channel: MessageChannel | undefined;
  /** APDU/TPDU bytes one message carries (dwMaxCCIDMessageLength - 10): every path sends within it. */
  readonly maxData: number;
  /** Why this reader cannot be used, when it cannot (character level, no bulk pipe, no room for data). */
  readonly unsupported: string | undefined;
  private readonly listeners = new Set<(e: SlotEvent) => void>();
  private presence: boolean[] = [];
  private readonly cards = new Map<number, CcidCard>();
  private closed = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private interruptLoop: Promise<void> | undefined;

  private constructor(
    readonly device: UsbDeviceLike,
    readonly info: CcidInterfaceInfo,
    readonly descriptor: CcidClassDescriptor,
    private readonly options: ReaderOptions,
  ) {
    this.slotCount = descriptor.bMaxSlotIndex + 1;
    let features = descriptor.dwFeatures;
    if (FORCED_EXTENDED.has(((device.vendorId << 16) | device.productId) >>> 0)) features = (features & ~0x70000) | 0x40000;
    // libccid (ccid_open_hack_pre): ICCD-B tokens at short APDU level use the extended algorithm.
    const iccdB = info.interfaceProtocol === 2;
    if (iccdB && (features & 0x70000) === 0x20000) features = (features & ~0x70000) | 0x40000;
    let level: ExchangeLevel;
    let unsupported: string | undefined;
    try {
      level = exchangeLevel(features);
    } catch (err) {
      level = 'character';
      unsupported = (err as Error).message;
    }
    if (level === 'character') {
      unsupported ??= 'This reader only offers the CCID character level, which Tessera does not drive. Use a TPDU- or APDU-level reader.';
    } else if (!iccdB && (info.bulkIn === undefined || info.bulkOut === undefined)) {
      unsupported = 'This reader has no bulk endpoints and is not an ICCD version B token; Tessera cannot drive it.';
    } else if (iccdB && level === 'tpdu') {
      unsupported = 'This ICCD token announces the TPDU level, which ICCD version B does not carry.';
    } else {
      unsupported = messageSizeProblem(descriptor);
    }
    this.maxData = messageDataSize(descriptor);
    this.level = level;
    this.unsupported = unsupported;
    this.channel = iccdB
      ? new IccdBChannel(device, info.interfaceNumber, Math.max(descriptor.dwMaxCCIDMessageLength, 64), {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxCommandMs !== undefined ? { maxCommandMs: options.maxCommandMs } : {}),
      })
      : info.bulkIn !== undefined && info.bulkOut !== undefined
      ? new CcidChannel(device, {
        bulkIn: info.bulkIn,
        bulkOut: info.bulkOut,
        interfaceNumber: info.interfaceNumber,
        maxMessageLength: Math.max(descriptor.dwMaxCCIDMessageLength, 64),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxCommandMs !== undefined ? { maxCommandMs: options.maxCommandMs } : {}),
      })
      : undefined;
  }

  /**
   * Opens a device and returns one reader per CCID interface (dual readers have two).
   * A claim refused because another program holds the reader becomes ReaderBusyError.
   */
  static async open(device: UsbDeviceLike, options: ReaderOptions = {}): Promise<CcidReader[]> {
    if (!device.opened) await device.open();
    if (!device.configuration) {
      const first = device.configurations[0];
      if (!first) throw new UnsupportedReaderError('The USB device has no configuration.');
      await device.selectConfiguration(first.configurationValue);
    }
    const config = await readConfigurationDescriptor(device);
    const infos = findCcidInterfaces(config);
    if (infos.length === 0) throw new UnsupportedReaderError('This USB device has no CCID interface; it is not a smart-card reader.');
    const readers: CcidReader[] = [];
    for (const info of infos) {
      try {
        await device.claimInterface(info.interfaceNumber);
      } catch (err) {
        throw claimError(err);
      }
      readers.push(new CcidReader(device, info, info.descriptor, options));
    }
    return readers;
  }

  get name(): string {
    const base = [this.device.manufacturerName, this.device.productName].filter(Boolean).join(' ') || `USB ${hex4(this.device.vendorId)}:${hex4(this.device.productId)}`;
    return this.info.interfaceNumber > 0 ? `${base} (interface ${this.info.interfaceNumber})` : base;
  }

  private requireChannel(): MessageChannel {
    if (this.unsupported || !this.channel) throw new UnsupportedReaderError(this.unsupported ?? 'This reader cannot be driven.');
    return this.channel;
  }

  /** GetSlotStatus (§6.1.3): whether a card is present, and powered. */
  async slotStatus(slot = 0): Promise<IccStatus> {
    this.checkSlot(slot);
    const reply = await this.requireChannel().exchange({ type: Command.GetSlotStatus, slot });
    return reply.iccStatus;
  }

  /** Powers the card in `slot` on and returns a connected CcidCard (ApduTransport). */
  async connect(slot = 0, options: CardOptions = {}): Promise<CcidCard> {
    this.checkSlot(slot);
    const channel = this.requireChannel();
    const card = await CcidCard.connect(this, channel, slot, options);
    this.cards.get(slot)?.markRemoved();
    this.cards.set(slot, card);
    // The card is in the slot now: the baseline for slot events, so that a removal before
    // watch() starts is still reported when monitoring begins.
    this.presence[slot] = true;
    return card;
  }

  /** A card this reader powered on in `slot` that nothing has marked removed or disconnected. */
  private liveCard(slot: number): CcidCard | undefined {
    const card = this.cards.get(slot);
    return card && !card.isRemoved ? card : undefined;
  }

  /** Card inserted/removed events; returns a function that stops listening. */
  watch(listener: (e: SlotEvent) => void): () => void {
    this.listeners.add(listener);
    this.startMonitoring();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Feeds removal into the connected card, then informs listeners. */
  private emit(events: readonly SlotEvent[]): void {
    for (const e of events) {
      if (e.kind === 'removed') {
        this.cards.get(e.slot)?.markRemoved();
        this.cards.delete(e.slot);
        this.channel?.cardRemoved(e.slot);
      }
      for (const l of this.listeners) l(e);
    }
  }

  private startMonitoring(): void {
    if (this.interruptLoop || this.pollTimer || this.closed || this.unsupported) return;
    if (this.info.interruptIn !== undefined && this.info.interfaceProtocol !== 2) {
      this.interruptLoop = this.listenInterrupt(this.info.interruptIn);
      return;
    }
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollMs ?? 500);
  }

  private async listenInterrupt(endpoint: number): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        const result = await this.device.transferIn(endpoint, 64);
        if (this.closed) return;
        const bytes = inData(result);
        if (bytes.length === 0) continue;
        const msg = parseInterrupt(bytes, this.slotCount);
        failures = 0;
        if (msg.kind !== 'slot-change') continue;
        // "Present, changed" for a card we powered is a swap, or a notice the reader queued
        // before we connected: only the slot's ICC status tells (see confirmSwap).
        const unsure: [number, CcidCard][] = [];
        const slots = msg.slots.map((s, slot) => {
          const card = this.liveCard(slot);
          if (!(s.present && s.changed && this.presence[slot] && card)) return s;
          unsure.push([slot, card]);
          return { present: true, changed: false };
        });
        const events = diffPresence(this.presence, { kind: 'slot-change', slots });
        this.presence = slots.map((s) => s.present);
        this.emit(events);
        for (const [slot, card] of unsure) this.confirmSwap(slot, card);
      } catch (err) {
        if (this.closed) return;
        // node-usb times interrupt reads out; a malformed message is skipped. Persistent
        // failures (unplugged device) fall back to polling.
        if (++failures > 20 || !(err instanceof CcidProtocolError || /time/i.test(String(err)))) {
          this.interruptLoop = undefined;
          this.pollTimer = setInterval(() => void this.poll(), this.options.pollMs ?? 500);
          return;
        }
      }
    }
  }

  /**
   * A card we powered on reads "present but inactive" (bmICCStatus 1, CCID 1.1 §6.2.6) only
   * when another card took its place: a card is inserted unpowered. Asked off the interrupt
   * loop, so a command in flight never holds up the next notification.
   */
  private confirmSwap(slot: number, card: CcidCard): void {
    void this.slotStatus(slot).then((status) => {
      if (this.closed || this.cards.get(slot) !== card || card.isRemoved || status === 'active') return;
      this.presence[slot] = status !== 'absent';
      this.emit(status === 'absent' ? [{ slot, kind: 'removed' }] : [{ slot, kind: 'removed' }, { slot, kind: 'inserted' }]);
    }, () => undefined);
  }

  private async poll(): Promise<void> {
    if (this.closed || !this.channel) return;
    const now: { present: boolean; changed: boolean }[] = [];
    for (let slot = 0; slot < this.slotCount; slot++) {
      try {
        const status = (await this.channel.exchange({ type: Command.GetSlotStatus, slot })).iccStatus;
        // A swap within one poll period reads present both times; the new card is not powered
        // (bmICCStatus 1, CCID 1.1 §6.2.6) while we still hold the old one powered: removed, inserted.
        now.push({ present: status !== 'absent', changed: status === 'inactive' && this.liveCard(slot) !== undefined });
      } catch (err) {
        if (!(err instanceof CcidError)) throw err;
        return;
      }
    }
    const events = diffPresence(this.presence, { kind: 'slot-change', slots: now });
    this.presence = now.map((s) => s.present);
    this.emit(events);
  }

  /** Stops monitoring; closes the device unless `keepDeviceOpen` (other interfaces). */
  async close(keepDeviceOpen = false): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const card of this.cards.values()) card.markRemoved();
    if (!keepDeviceOpen) await this.device.close().catch(() => undefined);
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) {
      throw new RangeError(`This reader has ${this.slotCount} slot(s); slot ${slot} does not exist.`);
    }
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * A refused claim: node-usb says LIBUSB_ERROR_BUSY / ACCESS, browsers NetworkError or
 * SecurityError ("protected class"). Name the likely cause in plain words.
 */
export function claimError(err: unknown): CcidError {
  const text = String((err as Error)?.message ?? err);
  if (/busy|LIBUSB_ERROR_BUSY|Unable to claim|NetworkError|EBUSY/i.test(text)) {
    return new ReaderBusyError('Another program is using this reader (on Linux usually pcscd). Stop it (sudo systemctl stop pcscd.socket pcscd) or configure it to leave this reader alone, then try again.', { cause: err });
  }
  if (/access|EACCES|permission/i.test(text)) {
    return new ReaderBusyError('Permission to use this reader was denied. On Linux, add a udev rule granting your user access to the device, or check whether pcscd holds it.', { cause: err });
  }
  if (/protected class|SecurityError/i.test(text)) {
    return new UnsupportedReaderError('The browser blocks smart-card readers for ordinary pages (protected USB class). Install Tessera as an Isolated Web App to use this reader.');
  }
  return new ReaderBusyError(`The reader could not be claimed: ${text}`, { cause: err });
}
