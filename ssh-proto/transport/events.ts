import type { NegotiatedAlgorithms } from './algorithms.ts';

/** The negotiated host-key algorithm and K_S blob, handed to TransportOptions.verifyHostKey. */
export interface HostKeyInfo { algorithm: string; blob: Uint8Array }

/** What the transport reports while it runs (for logs, the UI and tests). */
export type TransportEvent =
  | { type: 'pre-banner'; lines: readonly string[] }
  | { type: 'kex-start'; initial: boolean; initiatedBy: 'client' | 'server' }
  | { type: 'kex-done'; algorithms: NegotiatedAlgorithms; strictKex: boolean; initial: boolean }
  /** The server answered our rekey KEXINIT with UNIMPLEMENTED (sshd does before auth): the current keys stay. */
  | { type: 'kex-refused' }
  | { type: 'ext-info'; extensions: ReadonlyMap<string, Uint8Array> }
  | { type: 'debug'; message: string; alwaysDisplay: boolean }
  | { type: 'unimplemented'; seq: number };

export interface TransportOptions {
  kexAlgorithms?: readonly string[];
  ciphers?: readonly string[];
  macs?: readonly string[];
  hostKeyAlgorithms?: readonly string[];
  /** Decides trust. Resolve to accept; reject (a typed error) to refuse: the transport then disconnects with HOST_KEY_NOT_VERIFIABLE and rejects with that error. Never skipped. */
  verifyHostKey(key: HostKeyInfo): Promise<void>;
  /** Client-initiated rekey after this many bytes in either direction (default 1 GiB, RFC 4253 §9). */
  rekeyAfterBytes?: number;
  /** ... or after this long (default 1 hour, RFC 4253 §9). */
  rekeyAfterMs?: number;
  /** Default "SSH-2.0-Tessera_0.1". */
  clientVersion?: string;
  onEvent?(event: TransportEvent): void;
  /** Version exchange + first kex must finish within this (default 30 s). */
  handshakeTimeoutMs?: number;
  /** Each later key exchange must finish within this, or the transport fails with REKEY_TIMEOUT (default 60 s). */
  rekeyTimeoutMs?: number;
}
