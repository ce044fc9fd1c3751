// The adapter from the page's SshDialer to ssh-proto's connect(). Loaded lazily (dynamic import)
// because the SSH layer pulls in libsodium's WebAssembly.
import { connect, WEB_TERMINAL_MODES, type AuthMethod } from '../../ssh-proto/index.ts';
import type { ShellChannel, SshConnection, SshDialer } from './terminal-session.ts';

export const dialSsh: SshDialer = async (stream, options) => {
  const methods: AuthMethod[] = [];
  for (const signer of options.auth.signers ?? []) methods.push({ type: 'publickey', signer });
  const password = options.auth.password;
  if (password !== undefined) {
    methods.push({ type: 'password', password }, { type: 'keyboard-interactive', password });
  }
  const client = await connect(stream, {
    username: options.username,
    verifyHostKey: options.verifyHostKey,
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
        options.onEvent({ type: 'authenticating', method: methods.map((m) => m.type).filter((t, i, all) => all.indexOf(t) === i).join(', ') || 'none' });
      }
    },
  });
  const connection: SshConnection = {
    closed: client.closed,
    close: () => client.close('the user closed the session'),
    async openShell(pty) {
      // xterm.js sends DEL for Backspace and UTF-8 input (RFC 4254 §8 VERASE, IUTF8).
      const session = await client.shell({ pty: { term: pty.term, cols: pty.cols, rows: pty.rows, modes: WEB_TERMINAL_MODES } });
      const shell: ShellChannel = {
        stdout: session.readable,
        stderr: session.readableStderr,
        stdin: session.writable,
        windowChange: (cols, rows) => session.windowChange(cols, rows),
        exit: session.exit,
      };
      return shell;
    },
  };
  return connection;
};
