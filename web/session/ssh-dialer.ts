// The adapter from the page's SshDialer to ssh-proto's connect(), over the relay WebSocket. Loaded
// lazily (dynamic import) because the SSH layer pulls in libsodium's WebAssembly. It runs in the
// SSH worker (ssh-worker.ts), or in the page itself where workers are unavailable.
import { connect, WEB_TERMINAL_MODES, type AuthMethod, type InboundSource } from '../../ssh-proto/index.ts';
import { WebError } from '../errors.ts';
import { openWebSocketStream } from '../net/websocket-stream.ts';
import type { DialOptions, ShellChannel, SshConnection, SshDialer } from './terminal-session.ts';

/**
 * A shell whose output may also be taken as packets arrive (ssh-proto's InboundSource; the SSH worker's
 * output-pump.ts): `sources` or the `stdout`/`stderr` streams, not both.
 */
export interface DirectShellChannel extends ShellChannel {
  readonly sources: { readonly stdout: InboundSource; readonly stderr: InboundSource };
}

export interface DirectSshConnection extends SshConnection {
  openShell(pty: { term: string; cols: number; rows: number }): Promise<DirectShellChannel>;
}

export const dialSsh: (url: string, options: DialOptions) => Promise<DirectSshConnection> = async (url, options) => {
  const stream = await openWebSocketStream(url, { ...(options.onRelayClose ? { onClose: options.onRelayClose } : {}) });
  const abort = () => stream.close();
  if (options.signal?.aborted) { abort(); throw new WebError('SESSION_ENDED', 'The session was closed while connecting.'); }
  options.signal?.addEventListener('abort', abort, { once: true });
  options.onRelayOpen?.();
  try {
    return await dialOver(stream, options);
  } catch (err) {
    stream.close();
    throw err;
  }
};

async function dialOver(stream: Parameters<typeof connect>[0] & { close(): void }, options: Parameters<SshDialer>[1]): Promise<DirectSshConnection> {
  const methods: AuthMethod[] = [];
  const { password, prompt } = options.auth;
  for (const signer of options.auth.signers ?? []) methods.push({ type: 'publickey', signer });
  if (password !== undefined) {
    // Password prompts get the form's password; anything else the server asks (a one-time code) goes to the user.
    methods.push({ type: 'password', password }, { type: 'keyboard-interactive', password, ...(prompt ? { respond: prompt } : {}) });
  } else if (prompt) {
    // A card sign-in asks nothing more unless the server accepted the card's key and wants another factor.
    methods.push(
      { type: 'keyboard-interactive', respond: prompt, onlyAfterPartialSuccess: true },
      { type: 'password', password: async () => (await prompt({ name: '', instruction: 'The server also needs your password.', prompts: [{ prompt: 'Password:', echo: false }] }))[0] ?? '', onlyAfterPartialSuccess: true },
    );
  }
  const client = await connect(stream, {
    username: options.username,
    verifyHostKey: options.verifyHostKey,
    ...(options.hostKeyAlgorithms ? { algorithms: { hostKeys: options.hostKeyAlgorithms } } : {}),
    ...(options.keepalive ? { connection: { keepaliveIntervalMs: options.keepalive.intervalMs, keepaliveMaxMissed: options.keepalive.maxMissed } } : {}),
    auth: {
      methods,
      onBanner: (message) => options.onBanner?.(message),
      onAttempt: (e) => { if (e.result !== 'success') options.onEvent({ type: 'auth-attempt', method: e.method, result: e.result }); },
    },
    onEvent(event) {
      if (event.type === 'kex-done' && event.initial) {
        const a = event.algorithms;
        options.onEvent({ type: 'kex-done', algorithms: { kex: a.kex, hostKey: a.hostKey, cipher: a.cipherServerToClient, mac: a.macServerToClient } });
      } else if (event.type === 'authenticating') {
        const first = methods.filter((m) => !m.onlyAfterPartialSuccess).map((m) => m.type);
        options.onEvent({ type: 'authenticating', method: first.filter((t, i) => first.indexOf(t) === i).join(', ') || 'none' });
      }
    },
  });
  const connection: DirectSshConnection = {
    closed: client.closed,
    async close() {
      try { await client.close('the user closed the session'); } finally { stream.close(); }
    },
    async openShell(pty) {
      // xterm.js sends DEL for Backspace and UTF-8 input (RFC 4254 §8 VERASE, IUTF8).
      const session = await client.shell({ pty: { term: pty.term, cols: pty.cols, rows: pty.rows, modes: WEB_TERMINAL_MODES } });
      const shell: DirectShellChannel = {
        // Getters: a stream is made only for a reader that uses it (the worker takes `sources`).
        get stdout() { return session.readable; },
        get stderr() { return session.readableStderr; },
        sources: { stdout: session.source, stderr: session.sourceStderr },
        stdin: session.writable,
        windowChange: (cols, rows) => session.windowChange(cols, rows),
        exit: session.exit,
      };
      return shell;
    },
  };
  return connection;
}
