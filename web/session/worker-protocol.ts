// Messages between the page and the SSH worker (ssh-worker.ts). The worker runs the relay WebSocket
// and the whole SSH connection (key exchange, decryption, channels) off the page's main thread, so
// xterm.js has the main thread to itself; the page keeps what needs it: the card signing, the
// host-key dialog and the terminal. Output comes in batches with byte credits: the worker stops
// reading the channel (and so stops crediting SSH window, RFC 4254 §5.2) when the page is behind.
import type { KexAlgorithms } from './status.ts';
import type { AuthQuestion } from './terminal-session.ts';

export interface WireError { readonly code?: string; readonly message: string }

export type DialEvent =
  | { type: 'kex-done'; algorithms: KexAlgorithms }
  | { type: 'authenticating'; method: string }
  | { type: 'auth-attempt'; method: string; result: 'partial' | 'failure' };

export type ToWorker =
  | { t: 'dial'; url: string; username: string; password?: string; signers: { publicKey: Uint8Array; algorithms: readonly string[] }[]; prompts: boolean; hostKeyAlgorithms?: string[]; keepalive?: { intervalMs: number; maxMissed: number } }
  | { t: 'sign-result'; id: number; signature?: Uint8Array; error?: WireError }
  | { t: 'prompt-result'; id: number; answers?: string[]; error?: WireError }
  | { t: 'verify-result'; id: number; error?: WireError }
  | { t: 'open-shell'; term: string; cols: number; rows: number }
  | { t: 'stdin'; data: Uint8Array }
  | { t: 'stdin-close' }
  | { t: 'window-change'; cols: number; rows: number }
  | { t: 'ack'; n: number }
  /** An output message's buffer the terminal is done with, transferred back for the worker to fill again. */
  | { t: 'recycle'; buffer: ArrayBuffer }
  | { t: 'close' };

export type FromWorker =
  | { t: 'relay-open' }
  | { t: 'relay-close'; reason: string; code: number }
  | { t: 'event'; event: DialEvent }
  | { t: 'banner'; message: string }
  | { t: 'sign'; id: number; signer: number; algorithm: string; data: Uint8Array }
  | { t: 'verify'; id: number; algorithm: string; blob: Uint8Array }
  | { t: 'prompt'; id: number; question: AuthQuestion }
  | { t: 'dialed' }
  | { t: 'dial-failed'; error: WireError }
  | { t: 'shell-opened' }
  | { t: 'shell-failed'; error: WireError }
  | { t: 'out'; stream: 'stdout' | 'stderr'; data: Uint8Array }
  | { t: 'out-end'; stream: 'stdout' | 'stderr' }
  | { t: 'exit'; code?: number; signal?: string }
  | { t: 'closed'; error?: WireError };

/** Output bytes the worker may have posted and the page not yet read. */
export const OUTPUT_CREDIT = 1 << 20;
/** The most output joined into one message. */
export const OUTPUT_BATCH = 256 * 1024;
/** The size of the worker's reusable output buffers: a batch plus one more SSH packet's data. */
export const OUTPUT_BUFFER = OUTPUT_BATCH + 64 * 1024;

export function toWire(err: unknown): WireError {
  const message = err instanceof Error && err.message !== '' ? err.message : String(err);
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  return code === undefined ? { message } : { code, message };
}
