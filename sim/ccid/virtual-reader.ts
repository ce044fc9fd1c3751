/**
 * A virtual USB CCID reader that presents itself like WebUSB's USBDevice (the subset a
 * driver uses): configurations, GET_DESCRIPTOR, bulk and interrupt transfers, clearHalt.
 * Its descriptors and behaviour come from a reader profile; cards are SimCard models.
 * A per-transfer USB turnaround can be modelled for benchmarks (default 0).
 */
import type { ApduHandler, SimCardOptions } from './card.ts';
import { SimCard } from './card.ts';
import { CcidEngine } from './ccid-engine.ts';
import { configurationDescriptorBytes, deviceDescriptorBytes, endpointsOf } from './descriptors.ts';
import type { ReaderFault } from './faults.ts';
import type { ReaderProfile } from './profile.ts';

export interface VirtualReaderOptions {
  /** Modelled USB turnaround per transfer, in ms (default 0). */
  readonly turnaroundMs?: number;
  /** Makes claimInterface fail with this message (e.g. "LIBUSB_ERROR_BUSY", as under pcscd). */
  readonly claimError?: string;
}

interface InterfaceState {
  readonly engine: CcidEngine;
  readonly bulkIn: number | undefined;
  readonly bulkOut: number | undefined;
  readonly interruptIn: number | undefined;
  readonly inQueue: Queue;
  readonly interruptQueue: Queue;
}

/** A FIFO of IN transfers' payloads with waiting readers. */
class Queue {
  private items: Uint8Array[] = [];
  private waiters: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  push(b: Uint8Array): void {
    const w = this.waiters.shift();
    if (w) w.resolve(b);
    else this.items.push(b);
  }
  take(): Promise<Uint8Array> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.items = [];
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class VirtualReader {
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string | undefined;
  readonly manufacturerName: string | undefined;
  readonly serialNumber = 'SIM0001';
  opened = false;
  configuration: { configurationValue: number; interfaces: { interfaceNumber: number; alternates: { alternateSetting: number; interfaceClass: number; interfaceSubclass: number; interfaceProtocol: number; endpoints: { endpointNumber: number; direction: 'in' | 'out'; type: string; packetSize: number }[] }[] }[] } | undefined;
  readonly configurations: NonNullable<VirtualReader['configuration']>[];
  /** Faults for the next bulk replies, consumed in order. */
  readonly faults: ReaderFault[] = [];
  /** Transfers and bytes seen on the bus, for benchmarks. */
  readonly stats = { transfers: 0, bytesOut: 0, bytesIn: 0 };
  turnaroundMs: number;
  private readonly interfaces: InterfaceState[];
  private readonly claimError: string | undefined;

  constructor(readonly profile: ReaderProfile, options: VirtualReaderOptions = {}) {
    this.vendorId = profile.vendorId;
    this.productId = profile.productId;
    this.productName = profile.product;
    this.manufacturerName = profile.manufacturer;
    this.turnaroundMs = options.turnaroundMs ?? 0;
    this.claimError = options.claimError;
    this.interfaces = profile.interfaces.map((p, index) => {
      const eps = endpointsOf(index, p);
      const state: InterfaceState = {
        engine: new CcidEngine(p, profile.vendorId, profile.productId),
        bulkIn: eps.bulkIn,
        bulkOut: eps.bulkOut,
        interruptIn: eps.interruptIn,
        inQueue: new Queue(),
        interruptQueue: new Queue(),
      };
      state.engine.onSlotChange = (slot) => {
        if (state.interruptIn !== undefined) state.interruptQueue.push(state.engine.slotChangeMessage([slot]));
      };
      return state;
    });
    const config = {
      configurationValue: 1,
      interfaces: this.interfaces.map((st) => ({
        interfaceNumber: st.engine.profile.interfaceNumber,
        alternates: [{
          alternateSetting: 0,
          interfaceClass: st.engine.profile.interfaceClass,
          interfaceSubclass: st.engine.profile.interfaceSubclass,
          interfaceProtocol: st.engine.profile.interfaceProtocol,
          endpoints: [
            ...(st.bulkOut !== undefined ? [{ endpointNumber: st.bulkOut, direction: 'out' as const, type: 'bulk', packetSize: 64 }] : []),
            ...(st.bulkIn !== undefined ? [{ endpointNumber: st.bulkIn, direction: 'in' as const, type: 'bulk', packetSize: 64 }] : []),
            ...(st.interruptIn !== undefined ? [{ endpointNumber: st.interruptIn, direction: 'in' as const, type: 'interrupt', packetSize: 8 }] : []),
          ],
        }],
      })),
    };
    this.configurations = [config];
  }

  /** Slot count of interface `iface` (index in the profile). */
  slotCount(iface = 0): number {
    return this.interfaces[iface]?.engine.slots.length ?? 0;
  }

  /** Exchange level the firmware speaks on interface `iface`. */
  level(iface = 0): string {
    return this.interfaces[iface]?.engine.level ?? 'none';
  }

  /** Puts a card in a slot (fires NotifySlotChange). */
  insertCard(handler: ApduHandler | SimCard, slot = 0, iface = 0, options: SimCardOptions = {}): SimCard {
    const card = handler instanceof SimCard ? handler : new SimCard(handler, options);
    this.iface(iface).engine.insert(slot, card);
    return card;
  }

  removeCard(slot = 0, iface = 0): void {
    this.iface(iface).engine.remove(slot);
  }

  /** The card is pulled out while the reader processes the next XfrBlock. */
  removeDuringNextCommand(iface = 0): void {
    this.iface(iface).engine.removeDuringNext = true;
  }

  private iface(i: number): InterfaceState {
    const st = this.interfaces[i];
    if (!st) throw new RangeError(`the virtual reader has no interface index ${i}`);
    return st;
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
    this.configuration = undefined;
    for (const st of this.interfaces) {
      st.interruptQueue.failAll(new Error('NetworkError: the device was closed.'));
      st.inQueue.failAll(new Error('NetworkError: the device was closed.'));
    }
  }

  async selectConfiguration(value: number): Promise<void> {
    this.requireOpen();
    const c = this.configurations.find((x) => x.configurationValue === value);
    if (!c) throw new Error('NotFoundError: no such configuration.');
    this.configuration = c;
  }

  async claimInterface(n: number): Promise<void> {
    this.requireOpen();
    if (this.claimError) throw new Error(this.claimError);
    if (!this.profile.interfaces.some((i) => i.interfaceNumber === n)) throw new Error('NotFoundError: no such interface.');
  }

  async releaseInterface(_n: number): Promise<void> {}

  async controlTransferIn(setup: { requestType: string; recipient: string; request: number; value: number; index: number }, length: number): Promise<{ data?: DataView; status: 'ok' | 'stall' }> {
    this.requireOpen();
    await this.turnaround();
    if (setup.requestType === 'standard' && setup.request === 0x06) {
      const kind = setup.value >> 8;
      const bytes = kind === 1 ? deviceDescriptorBytes(this.profile) : kind === 2 ? configurationDescriptorBytes(this.profile) : undefined;
      if (!bytes) return { status: 'stall' };
      const out = bytes.slice(0, length);
      return { data: new DataView(out.buffer), status: 'ok' };
    }
    // GET_CLOCK_FREQUENCIES / GET_DATA_RATES (§5.3.2/§5.3.3): this firmware lists none.
    return { status: 'stall' };
  }

  async controlTransferOut(setup: { requestType: string; request: number; value: number; index: number }, data?: Uint8Array): Promise<{ bytesWritten: number; status: 'ok' | 'stall' }> {
    this.requireOpen();
    await this.turnaround();
    // ABORT (§5.3.1) is accepted; the bulk Abort message completes it.
    if (setup.requestType === 'class' && setup.request === 0x01) return { bytesWritten: 0, status: 'ok' };
    return { bytesWritten: data?.length ?? 0, status: 'stall' };
  }

  async transferOut(endpoint: number, data: Uint8Array): Promise<{ bytesWritten: number; status: 'ok' | 'stall' }> {
    this.requireOpen();
    const st = this.interfaces.find((i) => i.bulkOut === endpoint);
    if (!st) throw new Error(`NotFoundError: endpoint ${endpoint} OUT does not exist.`);
    await this.turnaround();
    this.stats.transfers++;
    this.stats.bytesOut += data.length;
    if (this.faults[0]?.kind === 'out-stall') {
      this.faults.shift();
      return { bytesWritten: 0, status: 'stall' };
    }
    const bytes = Uint8Array.from(data);
    if (this.faults[0]?.kind === 'remove' && bytes[0] === 0x6f) {
      this.faults.shift();
      st.engine.removeDuringNext = true;
    }
    const reply = await st.engine.handle(bytes);
    if (reply) this.deliver(st, reply, bytes[6] ?? 0);
    return { bytesWritten: data.length, status: 'ok' };
  }

  /** Queues a reply on bulk-IN, applying the next reader fault. */
  private deliver(st: InterfaceState, reply: Uint8Array, seq: number): void {
    const fault = this.faults.shift();
    switch (fault?.kind) {
      case 'wrong-seq': {
        const stale = reply.slice();
        stale[6] = (seq - 1) & 0xff;
        st.inQueue.push(stale);
        st.inQueue.push(reply);
        return;
      }
      case 'short-read': {
        // The header and the first half of the data, then the rest in a second transfer.
        const cut = reply.length > 11 ? 10 + Math.floor((reply.length - 10) / 2) : reply.length;
        st.inQueue.push(reply.subarray(0, cut));
        if (cut < reply.length) st.inQueue.push(reply.subarray(cut));
        return;
      }
      case 'time-extension':
        for (let i = 0; i < fault.count; i++) {
          const ext = reply.slice(0, 10);
          new DataView(ext.buffer).setUint32(1, 0, true);
          ext[7] = 0x80 | (reply[7]! & 0x03);
          ext[8] = fault.multiplier ?? 1;
          st.inQueue.push(ext);
        }
        st.inQueue.push(reply);
        return;
      case 'delay':
        setTimeout(() => st.inQueue.push(reply), fault.ms);
        return;
      case 'garbage':
        st.inQueue.push(fault.bytes ?? Uint8Array.of(0x13, 0x37, 0x00));
        return;
      default:
        if (fault) this.faults.unshift(fault);
        st.inQueue.push(reply);
    }
  }

  async transferIn(endpoint: number, length: number): Promise<{ data: DataView; status: 'ok' | 'babble' }> {
    this.requireOpen();
    const bulk = this.interfaces.find((i) => i.bulkIn === endpoint);
    const intr = this.interfaces.find((i) => i.interruptIn === endpoint);
    if (!bulk && !intr) throw new Error(`NotFoundError: endpoint ${endpoint} IN does not exist.`);
    const bytes = await (bulk ? bulk.inQueue.take() : intr!.interruptQueue.take());
    await this.turnaround();
    this.stats.transfers++;
    this.stats.bytesIn += bytes.length;
    if (bytes.length > length) {
      const cut = bytes.slice(0, length);
      return { data: new DataView(cut.buffer), status: 'babble' };
    }
    const copy = bytes.slice();
    return { data: new DataView(copy.buffer), status: 'ok' };
  }

  async clearHalt(_direction: 'in' | 'out', _endpoint: number): Promise<void> {}

  private requireOpen(): void {
    if (!this.opened) throw new Error('InvalidStateError: the device must be opened first.');
  }

  private async turnaround(): Promise<void> {
    if (this.turnaroundMs > 0) await delay(this.turnaroundMs);
  }
}
