// The SSH worker: the relay WebSocket and the SSH connection (ssh-dialer.ts) run here, off the page's
// main thread, which keeps xterm.js, the card and the dialogs (worker-protocol.ts). Card signatures
// and host-key decisions are asked of the page; shell output goes back in batches within a byte credit
// (output-pump.ts).
import { errorMessage } from '../errors.ts';
import { OutputPump } from './output-pump.ts';
import { dialSsh, type DirectShellChannel, type DirectSshConnection } from './ssh-dialer.ts';
import type { AuthPrompt, SshSigner } from './terminal-session.ts';
import { toWire, type FromWorker, type ToWorker, type WireError } from './worker-protocol.ts';

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

const calls = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
let nextCall = 1;
/** Asks the page; resolves with its answer (a signature, the prompts' answers, or nothing). */
function ask<T>(message: (id: number) => FromWorker): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => { calls.set(id, { resolve: resolve as (value: unknown) => void, reject }); post(message(id)); });
}
function answer(id: number, error: WireError | undefined, value?: unknown): void {
  const call = calls.get(id);
  calls.delete(id);
  if (!call) return;
  if (error) call.reject(new PageError(error.code, error.message));
  else call.resolve(value);
}

let connection: DirectSshConnection | undefined;
let shell: DirectShellChannel | undefined;
let stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
const dialAbort = new AbortController();
const output = new OutputPump(post);

async function dial(m: Extract<ToWorker, { t: 'dial' }>): Promise<void> {
  const signers: SshSigner[] = m.signers.map((s, i) => ({
    publicKey: s.publicKey,
    algorithms: s.algorithms,
    sign: (algorithm, data) => ask<Uint8Array>((id) => ({ t: 'sign', id, signer: i, algorithm, data })),
  }));
  const prompt: AuthPrompt = (question) => ask<string[]>((id) => ({ t: 'prompt', id, question }));
  try {
    connection = await dialSsh(m.url, {
      username: m.username,
      auth: { ...(m.password !== undefined ? { password: m.password } : {}), signers, ...(m.prompts ? { prompt } : {}) },
      signal: dialAbort.signal,
      ...(m.hostKeyAlgorithms ? { hostKeyAlgorithms: m.hostKeyAlgorithms } : {}),
      ...(m.keepalive ? { keepalive: m.keepalive } : {}),
      onRelayOpen: () => post({ t: 'relay-open' }),
      onRelayClose: (reason, code) => post({ t: 'relay-close', reason, code }),
      onBanner: (message) => post({ t: 'banner', message }),
      onEvent: (event) => post({ t: 'event', event }),
      verifyHostKey: async (key) => { await ask<undefined>((id) => ({ t: 'verify', id, algorithm: key.algorithm, blob: key.blob })); },
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
  output.add(shell.sources.stdout, 'stdout');
  output.add(shell.sources.stderr, 'stderr');
  post({ t: 'shell-opened' });
}

scope.addEventListener('message', (event) => {
  const m = event.data;
  switch (m.t) {
    case 'dial': void dial(m); break;
    case 'sign-result': answer(m.id, m.error, m.signature); break;
    case 'verify-result': answer(m.id, m.error); break;
    case 'prompt-result': answer(m.id, m.error, m.answers); break;
    case 'open-shell': void openShell(m); break;
    case 'stdin': void stdin?.write(m.data).catch(() => undefined); break;
    case 'stdin-close': void stdin?.close().catch(() => undefined); break;
    case 'window-change': void shell?.windowChange(m.cols, m.rows).catch(() => undefined); break;
    case 'ack': output.ack(m.n); break;
    case 'recycle': output.recycle(m.buffer); break;
    case 'close':
      dialAbort.abort();
      void (connection?.close() ?? Promise.resolve()).catch((err: unknown) => errorMessage(err)).finally(() => scope.close());
      break;
  }
});
