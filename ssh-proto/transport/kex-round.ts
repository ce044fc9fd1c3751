// The state of one key exchange round (RFC 4253 §7), shared by the read loop and the kex flow.
import { SshTransportError } from './errors.ts';
import type { NegotiatedAlgorithms } from './algorithms.ts';
import type { KexInit } from './kexinit.ts';
import type { PacketCipher } from './cipher-suite.ts';

export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = (v) => { this.settled = true; res(v); };
      this.reject = (e) => { this.settled = true; rej(e); };
    });
    this.promise.catch(() => {}); // observed by whoever awaits; never an unhandled rejection
  }
}

export class KexRound {
  clientKexInit: Uint8Array | undefined;
  /** Sequence number our KEXINIT went out with (to recognise an UNIMPLEMENTED answer to it). */
  clientKexInitSeq = -1;
  parsedClientKexInit: KexInit | undefined;
  serverKexInit: Uint8Array | undefined;
  algorithms: NegotiatedAlgorithms | undefined;
  /** RFC 4253 §7: the server guessed wrong, so its next kex packet is discarded. */
  ignoreNextKexPacket = false;
  replyReceived = false;
  sentNewKeys = false;
  readonly serverKexInitReceived = new Deferred<void>();
  readonly incomingCipher = new Deferred<PacketCipher>();
  readonly newKeysReceived = new Deferred<void>();
  private messages: Uint8Array[] = [];
  private waiter: Deferred<Uint8Array> | undefined;

  constructor(readonly initial: boolean, readonly initiatedBy: 'client' | 'server') {}

  /** A kex-method message (30-49) from the read loop. */
  push(payload: Uint8Array): void {
    if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.resolve(payload); }
    else this.messages.push(payload);
  }

  next(): Promise<Uint8Array> {
    const m = this.messages.shift();
    if (m) return Promise.resolve(m);
    this.waiter = new Deferred<Uint8Array>();
    return this.waiter.promise;
  }

  abort(error: unknown): void {
    for (const d of [this.serverKexInitReceived, this.incomingCipher, this.newKeysReceived]) if (!d.settled) d.reject(error);
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  static unexpected(what: string): SshTransportError {
    return new SshTransportError('KEX_UNEXPECTED_MESSAGE', `the server sent ${what} out of order during key exchange`);
  }
}
