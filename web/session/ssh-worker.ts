// The SSH worker: the relay WebSocket and the SSH connection (ssh-dialer.ts) run here, off the page's
// main thread, which keeps xterm.js, the card and the dialogs (worker-protocol.ts). Card signatures
// and host-key decisions are asked of the page; shell output goes back in batches within a byte credit.
import { errorMessage } from '../errors.ts';
import { dialSsh } from './ssh-dialer.ts';
import type { ShellChannel, SshConnection, SshSigner } from './terminal-session.ts';
import { OUTPUT_BATCH, OUTPUT_BUFFER, OUTPUT_CREDIT, toWire, type FromWorker, type ToWorker, type WireError } from './worker-protocol.ts';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

class PageError extends Error {
  constructor(readonly code: string | undefined, message: string) { super(message); }
}

const calls = new Map<number, { resolve(value: Uint8Array | undefined): void; reject(err: Error): void }>();
let nextCall = 1;
function ask(message: (id: number) => FromWorker): Promise<Uint8Array | undefined> {
  const id = nextCall++;
  return new Promise((resolve, reject) => { calls.set(id, { resolve, reject }); post(message(id)); });
}
function answer(id: number, error: WireError | undefined, value?: Uint8Array): void {
  const call = calls.get(id);
  calls.delete(id);
  if (!call) return;
  if (error) call.reject(new PageError(error.code, error.message));
  else call.resolve(value);
}

let connection: SshConnection | undefined;
let shell: ShellChannel | undefined;
let stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
const dialAbort = new AbortController();
let credit = OUTPUT_CREDIT;
let creditWaiters: (() => void)[] = [];
const NOT_READY = Promise.resolve('not-ready' as const);
/**
 * Output buffers the page gave back once the terminal parsed (or copied) them: filling a fresh
 * transferred buffer per message cost page faults and sweeping on both threads.
 */
const spareBuffers: ArrayBuffer[] = [];
// Out at once: the credit's worth (OUTPUT_CREDIT / OUTPUT_BUFFER, ~3) plus the terminal's queue (~3).
const MAX_SPARE_BUFFERS = 8;
function outputBuffer(size: number): Uint8Array {
  if (size > OUTPUT_BUFFER) return new Uint8Array(size);
  return new Uint8Array(spareBuffers.pop() ?? new ArrayBuffer(OUTPUT_BUFFER), 0, size);
}

/** Resolves at the page's next ack (it took some output). */
function nextAck(): Promise<'acked'> {
  return new Promise((r) => { creditWaiters.push(() => r('acked')); });
}

/**
 * Sends one output stream to the page, within the credit. Whatever is already read is joined into
 * one message; while the page still holds an earlier message (no ack yet), more output is joined
 * too, so a busy page gets a few large messages instead of one per SSH packet (each message is a
 * task on the page's main thread, a stream read and an ack back). An idle page gets each packet at once.
 */
async function forward(source: ReadableStream<Uint8Array>, stream: 'stdout' | 'stderr'): Promise<void> {
  const reader = source.getReader();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let done = false;
  try {
    while (!done) {
      while (credit <= 0) await new Promise<void>((r) => { creditWaiters.push(r); });
      const first = await (pending ?? reader.read());
      pending = undefined;
      if (first.done) break;
      const chunks = [first.value];
      let size = first.value.length;
      let acked: Promise<'acked'> | undefined;
      while (size < OUTPUT_BATCH && size < credit) {
        const next = pending ?? reader.read();
        pending = undefined;
        let r: ReadableStreamReadResult<Uint8Array> | 'not-ready' | 'acked' = await Promise.race([next, NOT_READY]);
        if (r === 'not-ready' && credit < OUTPUT_CREDIT) {
          // The page has not taken everything posted yet: wait for more output or its ack, whichever comes first.
          r = await Promise.race([next, acked ??= nextAck()]);
        }
        if (r === 'not-ready' || r === 'acked') { pending = next; break; }
        if (r.done) { done = true; break; }
        chunks.push(r.value);
        size += r.value.length;
      }
      // A copy: the chunks may be views into buffers ssh-proto reuses, and the copy's buffer is
      // transferred (and given back by the page: 'recycle').
      const data = outputBuffer(size);
      let at = 0;
      for (const c of chunks) { data.set(c, at); at += c.length; }
      credit -= size;
      post({ t: 'out', stream, data }, [data.buffer]);
    }
  } catch {
    // The connection's `closed` reports the reason.
  }
  post({ t: 'out-end', stream });
}

async function dial(m: Extract<ToWorker, { t: 'dial' }>): Promise<void> {
  const signers: SshSigner[] = m.signers.map((s, i) => ({
    publicKey: s.publicKey,
    algorithms: s.algorithms,
    sign: async (algorithm, data) => (await ask((id) => ({ t: 'sign', id, signer: i, algorithm, data })))!,
  }));
  try {
    connection = await dialSsh(m.url, {
      username: m.username,
      auth: { ...(m.password !== undefined ? { password: m.password } : {}), signers },
      signal: dialAbort.signal,
      onRelayOpen: () => post({ t: 'relay-open' }),
      onRelayClose: (reason, code) => post({ t: 'relay-close', reason, code }),
      onBanner: (message) => post({ t: 'banner', message }),
      onEvent: (event) => post({ t: 'event', event }),
      verifyHostKey: async (key) => { await ask((id) => ({ t: 'verify', id, algorithm: key.algorithm, blob: key.blob })); },
    });
  } catch (err) {
    post({ t: 'dial-failed', error: toWire(err) });
    return;
  }
  void connection.closed.then((err) => post({ t: 'closed', ...(err ? { error: toWire(err) } : {}) }));
  post({ t: 'dialed' });
}

async function openShell(m: Extract<ToWorker, { t: 'open-shell' }>): Promise<void> {
  try {
    if (!connection) throw new Error('The SSH connection is not open.');
    shell = await connection.openShell({ term: m.term, cols: m.cols, rows: m.rows });
  } catch (err) {
    post({ t: 'shell-failed', error: toWire(err) });
    return;
  }
  stdin = shell.stdin.getWriter();
  void shell.exit.then((exit) => post({ t: 'exit', ...exit }), () => undefined);
  void forward(shell.stdout, 'stdout');
  void forward(shell.stderr, 'stderr');
  post({ t: 'shell-opened' });
}

scope.addEventListener('message', (event) => {
  const m = event.data;
  switch (m.t) {
    case 'dial': void dial(m); break;
    case 'sign-result': answer(m.id, m.error, m.signature); break;
    case 'verify-result': answer(m.id, m.error); break;
    case 'open-shell': void openShell(m); break;
    case 'stdin': void stdin?.write(m.data).catch(() => undefined); break;
    case 'stdin-close': void stdin?.close().catch(() => undefined); break;
    case 'window-change': void shell?.windowChange(m.cols, m.rows).catch(() => undefined); break;
    case 'ack': {
      credit = Math.min(OUTPUT_CREDIT, credit + m.n);
      const waiters = creditWaiters;
      creditWaiters = [];
      for (const wake of waiters) wake();
      break;
    }
    case 'recycle':
      if (m.buffer.byteLength === OUTPUT_BUFFER && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(m.buffer);
      break;
    case 'close':
      dialAbort.abort();
      void (connection?.close() ?? Promise.resolve()).catch((err: unknown) => errorMessage(err)).finally(() => scope.close());
      break;
  }
});
