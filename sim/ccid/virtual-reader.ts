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
  /** ICCD version B: the reply waiting for the next DataBlock/SlotStatus control request. */
  iccdPending?: Uint8Array | undefined;
  iccdSeq: number;
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
        iccdSeq: 0,
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
    const iccd = this.iccdInterface(setup);
    if (iccd) {
      const bytes = await this.iccdIn(iccd, setup.request);
      if (!bytes) return { status: 'stall' };
      this.stats.transfers++;
      this.stats.bytesIn += bytes.length;
      const out = bytes.slice(0, length);
      return { data: new DataView(out.buffer), status: 'ok' };
    }
    // GET_CLOCK_FREQUENCIES / GET_DATA_RATES (§5.3.2/§5.3.3): this firmware lists none.
    return { status: 'stall' };
  }

  /** The ICCD version B interface a class request is addressed to, if any. */
  private iccdInterface(setup: { requestType: string; recipient?: string; index: number }): InterfaceState | undefined {
    if (setup.requestType !== 'class') return undefined;
    return this.interfaces.find((i) => i.engine.profile.interfaceProtocol === 2 && i.engine.profile.interfaceNumber === (setup.index & 0xff));
  }

  /** ICCD-B OUT requests (ICCD rev 1.0 §6.3): run the matching CCID message on the firmware. */
  private async iccdOut(st: InterfaceState, request: number, value: number, data: Uint8Array): Promise<boolean> {
    const message = (type: number, b7: number, b8: number, b9: number, body: Uint8Array = new Uint8Array(0)): Uint8Array => {
      const m = new Uint8Array(10 + body.length);
      m[0] = type;
      new DataView(m.buffer).setUint32(1, body.length, true);
      m[6] = st.iccdSeq++ & 0xff;
      m[7] = b7;
      m[8] = b8;
      m[9] = b9;
      m.set(body, 10);
      return m;
    };
    if (request === 0x62) st.iccdPending = await st.engine.handle(message(0x62, 0, 0, 0));
    else if (request === 0x63) st.iccdPending = await st.engine.handle(message(0x63, 0, 0, 0));
    else if (request === 0x65) {
      if (this.faults[0]?.kind === 'remove') {
        this.faults.shift();
        st.engine.removeDuringNext = true;
      }
      const level = value >> 8;
      st.iccdPending = await st.engine.handle(message(0x6f, 0, level & 0xff, 0, data));
    } else return false;
    return true;
  }

  /** ICCD-B IN requests: DataBlock (6Fh) and SlotStatus (81h). */
  private async iccdIn(st: InterfaceState, request: number): Promise<Uint8Array | undefined> {
    if (request === 0x81) {
      const reply = await st.engine.handle(Uint8Array.of(0x65, 0, 0, 0, 0, 0, st.iccdSeq++ & 0xff, 0, 0, 0));
      return Uint8Array.of(((reply?.[7] ?? 2) & 3) === 2 ? 0x80 : 0x00, 0, 0);
    }
    if (request !== 0x6f) return undefined;
    const fault = this.faults[0];
    if (fault?.kind === 'time-extension' && fault.count > 0) {
      this.faults[0] = { ...fault, count: fault.count - 1 };
      if (fault.count === 1) this.faults.shift();
      return Uint8Array.of(0x80, 1, 0); // polling: come back in 10 ms
    }
    const reply = st.iccdPending;
    st.iccdPending = undefined;
    if (!reply) return Uint8Array.of(0x40, 0x01, 0xfb);
    const bStatus = reply[7]!;
    if (bStatus & 0x40) return Uint8Array.of(0x40, bStatus & 0x03, reply[8]!);
    return Uint8Array.of(reply[9]!, ...reply.subarray(10));
  }

  async controlTransferOut(setup: { requestType: string; request: number; value: number; index: number }, data?: Uint8Array): Promise<{ bytesWritten: number; status: 'ok' | 'stall' }> {
    this.requireOpen();
    await this.turnaround();
    const iccd = this.iccdInterface(setup);
    if (iccd) {
      this.stats.transfers++;
      this.stats.bytesOut += 8 + (data?.length ?? 0);
      const ok = await this.iccdOut(iccd, setup.request, setup.value, data ?? new Uint8Array(0));
      return { bytesWritten: data?.length ?? 0, status: ok ? 'ok' : 'stall' };
    }
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
      case 'time-extension': {
        const at = (i: number, message: Uint8Array) => {
          if (!fault.intervalMs) st.inQueue.push(message);
          else setTimeout(() => st.inQueue.push(message), i * fault.intervalMs);
        };
        for (let i = 0; i < fault.count; i++) {
          const ext = reply.slice(0, 10);
          new DataView(ext.buffer).setUint32(1, 0, true);
          ext[7] = 0x80 | (reply[7]! & 0x03);
          ext[8] = fault.multiplier ?? 1;
          at(i, ext);
        }
        at(fault.count, reply);
        return;
      }
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
