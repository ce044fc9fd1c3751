// The page's side of the SSH worker (ssh-worker.ts, worker-protocol.ts): an SshDialer whose SSH
// connection runs in a dedicated worker, one per session. The page answers the worker's card
// signing and host-key questions, and reads shell output as streams that hand credit back as the
// terminal takes it, so a slow terminal slows the worker's channel reads (and the SSH window).
import { WebError, errorCode } from '../errors.ts';
import type { DialOptions, ShellChannel, SshConnection, SshDialer } from './terminal-session.ts';
import { toWire, type FromWorker, type ToWorker, type WireError } from './worker-protocol.ts';

const fromWire = (e: WireError) => new WebError(e.code ?? 'SSH_ERROR', e.message);

/** Shell output as a stream: each chunk the reader takes is credited back to the worker. */
class OutputStream {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  readonly readable: ReadableStream<Uint8Array>;

  constructor(ack: (n: number) => void) {
    this.readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (this.chunks.length === 0 && !this.ended) await new Promise<void>((r) => { this.wake = r; });
        const chunk = this.chunks.shift();
        if (chunk) { controller.enqueue(chunk); ack(chunk.length); } else controller.close();
      },
      cancel: () => { this.ended = true; let n = 0; for (const c of this.chunks.splice(0)) n += c.length; if (n) ack(n); },
    }, { highWaterMark: 0 });
  }

  push(data: Uint8Array): void { this.chunks.push(data); this.wakeUp(); }
  end(): void { this.ended = true; this.wakeUp(); }
  private wakeUp(): void { const w = this.wake; this.wake = undefined; w?.(); }
}

/**
 * SSH in a worker per session. When the worker cannot start at all (a site policy that forbids
 * workers, an old browser), `fallback` dials in the page instead.
 */
export function workerDialer(fallback: () => Promise<SshDialer>): SshDialer {
  return async (url, options) => {
    let started = false;
    try {
      const worker = new Worker(new URL('./ssh-worker.ts', import.meta.url), { type: 'module', name: 'tessera-ssh' });
      return await dialInWorker(worker, url, { ...options, onRelayOpen: () => { started = true; options.onRelayOpen?.(); } });
    } catch (err) {
      if (started || (errorCode(err) !== 'SSH_WORKER' && !(err instanceof DOMException))) throw err;
      return (await fallback())(url, options);
    }
  };
}

function dialInWorker(worker: Worker, url: string, options: DialOptions): Promise<SshConnection> {
  const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
  const signers = options.auth.signers ?? [];
  let settleDial: { resolve(c: SshConnection): void; reject(e: Error): void } | undefined;
  let settleShell: { resolve(s: ShellChannel): void; reject(e: Error): void } | undefined;
  let resolveClosed!: (e: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => { resolveClosed = r; });
  let resolveExit!: (exit: { code?: number; signal?: string }) => void;
  const exit = new Promise<{ code?: number; signal?: string }>((r) => { resolveExit = r; });
  const stdout = new OutputStream((n) => send({ t: 'ack', n }));
  const stderr = new OutputStream((n) => send({ t: 'ack', n }));
  let terminated = false;
  /** Buffers of output messages not yet recycled. */
  const received = new WeakSet<ArrayBufferLike>();
  let outputsEnded = 0;
  let isClosed = false;
  /** After the server closed: stop the worker once both output streams have been handed over. */
  const finishIfDone = () => { if (isClosed && outputsEnded === 2) terminate(); };
  const terminate = () => {
    if (terminated) return;
    terminated = true;
    stdout.end();
    stderr.end();
    worker.terminate();
  };

  const connection: SshConnection = {
    closed,
    async close() {
      if (terminated) return;
      send({ t: 'close' });
      // The worker says goodbye to the server; it is stopped either way shortly after.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      terminate();
    },
    openShell(pty) {
      return new Promise<ShellChannel>((resolve, reject) => {
        settleShell = { resolve, reject };
        send({ t: 'open-shell', term: pty.term, cols: pty.cols, rows: pty.rows });
      });
    },
  };
  const shell: ShellChannel = {
    stdout: stdout.readable,
    stderr: stderr.readable,
    stdin: new WritableStream<Uint8Array>({
      write(data) { const copy = data.slice(); send({ t: 'stdin', data: copy }, [copy.buffer]); },
      close() { send({ t: 'stdin-close' }); },
    }),
    windowChange: async (cols, rows) => { send({ t: 'window-change', cols, rows }); },
    exit,
    // The worker's output buffers go back to it once the terminal has parsed or copied them (ssh-worker.ts).
    recycle: (chunk) => {
      const buffer = chunk.buffer;
      if (terminated || !received.delete(buffer) || !(buffer instanceof ArrayBuffer)) return;
      send({ t: 'recycle', buffer }, [buffer]);
    },
  };

  async function handle(m: FromWorker): Promise<void> {
    switch (m.t) {
      case 'relay-open': options.onRelayOpen?.(); break;
      case 'relay-close': options.onRelayClose?.(m.reason, m.code); break;
      case 'event': options.onEvent(m.event); break;
      case 'banner': options.onBanner?.(m.message); break;
      case 'sign': {
        const signer = signers[m.signer];
        try {
          if (!signer) throw new WebError('SIGNER_UNKNOWN', 'The SSH worker asked for a key the page did not offer.');
          const signature = await signer.sign(m.algorithm, m.data);
          send({ t: 'sign-result', id: m.id, signature });
        } catch (err) {
          send({ t: 'sign-result', id: m.id, error: toWire(err) });
        }
        break;
      }
      case 'prompt':
        try {
          if (!options.auth.prompt) throw new WebError('PROMPT_UNAVAILABLE', 'The page cannot ask the server\'s question.');
          send({ t: 'prompt-result', id: m.id, answers: [...await options.auth.prompt(m.question)] });
        } catch (err) {
          send({ t: 'prompt-result', id: m.id, error: toWire(err) });
        }
        break;
      case 'verify':
        try {
          await options.verifyHostKey({ algorithm: m.algorithm, blob: m.blob });
          send({ t: 'verify-result', id: m.id });
        } catch (err) {
          send({ t: 'verify-result', id: m.id, error: toWire(err) });
        }
        break;
      case 'dialed': settleDial?.resolve(connection); settleDial = undefined; break;
      case 'dial-failed': settleDial?.reject(fromWire(m.error)); settleDial = undefined; terminate(); break;
      case 'shell-opened': settleShell?.resolve(shell); settleShell = undefined; break;
      case 'shell-failed': settleShell?.reject(fromWire(m.error)); settleShell = undefined; break;
      case 'out': received.add(m.data.buffer); (m.stream === 'stdout' ? stdout : stderr).push(m.data); break;
      case 'out-end': (m.stream === 'stdout' ? stdout : stderr).end(); outputsEnded++; finishIfDone(); break;
      case 'exit': resolveExit({ ...(m.code !== undefined ? { code: m.code } : {}), ...(m.signal !== undefined ? { signal: m.signal } : {}) }); break;
      case 'closed':
        resolveClosed(m.error ? fromWire(m.error) : undefined);
        settleShell?.reject(m.error ? fromWire(m.error) : new WebError('SSH_CLOSED', 'The connection closed.'));
        settleShell = undefined;
        isClosed = true;
        if (outputsEnded < 2) setTimeout(terminate, 5000); // no shell, or output still in flight
        finishIfDone();
        break;
    }
  }

  return new Promise<SshConnection>((resolve, reject) => {
    settleDial = { resolve, reject };
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => { void handle(event.data); });
    worker.addEventListener('error', (event) => {
      const err = new WebError('SSH_WORKER', `The SSH worker failed: ${event.message || 'it could not start'}.`);
      settleDial?.reject(err);
      settleDial = undefined;
      resolveClosed(err);
      terminate();
    });
    if (options.signal?.aborted) { terminate(); reject(new WebError('SESSION_ENDED', 'The session was closed while connecting.')); return; }
    options.signal?.addEventListener('abort', () => {
      if (!settleDial) return;
      send({ t: 'close' });
      settleDial.reject(new WebError('SESSION_ENDED', 'The session was closed while connecting.'));
      settleDial = undefined;
      setTimeout(terminate, 1000);
    }, { once: true });
    send({
      t: 'dial', url, username: options.username,
      ...(options.auth.password !== undefined ? { password: options.auth.password } : {}),
      signers: signers.map((s) => ({ publicKey: s.publicKey, algorithms: [...s.algorithms] })),
      prompts: options.auth.prompt !== undefined,
      ...(options.hostKeyAlgorithms ? { hostKeyAlgorithms: [...options.hostKeyAlgorithms] } : {}),
      ...(options.keepalive ? { keepalive: { ...options.keepalive } } : {}),
    });
  });
}
