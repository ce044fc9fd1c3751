// TerminalSession's end while it is still dialing (card removed, kiosk cleared between the card's
// signature and the shell): the session stays ended, closes the connection, and never reports
// "Connected" nor wires a shell to the terminal. The dialer is the seam the real ones (ssh-dialer.ts,
// worker-dialer.ts) implement; the end-to-end cases are in tests/web/card.test.ts.
import { describe, expect, it } from 'vitest';
import type { TerminalView } from '../terminal/terminal-view.ts';
import type { Status } from './status.ts';
import { TerminalSession, type ShellChannel, type SshConnection, type SshDialer } from './terminal-session.ts';

function fakeView(): { view: TerminalView; inputs: number } {
  const state = { inputs: 0 };
  const view = {
    size: { cols: 80, rows: 24 },
    writeLine: () => undefined,
    resetDecoder: () => undefined,
    writeBytes: () => undefined,
    onInput: () => { state.inputs++; return { dispose: () => undefined }; },
    onResize: () => ({ dispose: () => undefined }),
    focus: () => undefined,
  } as unknown as TerminalView;
  return { view, get inputs() { return state.inputs; } };
}

/** A connection whose shell opens only when `openShellNow` is called; records close(). */
function slowShellConnection() {
  let openShellNow!: () => void;
  const opened = new Promise<void>((r) => { openShellNow = r; });
  const shellAsked = { value: false };
  const closed = { value: false };
  const never = new ReadableStream<Uint8Array>();
  const connection: SshConnection = {
    closed: new Promise(() => undefined),
    close: async () => { closed.value = true; },
    openShell: async () => {
      shellAsked.value = true;
      await opened;
      const shell: ShellChannel = { stdout: never, stderr: never, stdin: new WritableStream(), windowChange: async () => undefined, exit: new Promise(() => undefined) };
      return shell;
    },
  };
  return { connection, openShellNow, shellAsked, closed };
}

const target = { host: 'srv', port: 22, user: 'u' };
const hostKeys = { verifyHostKey: async () => undefined };

describe('TerminalSession ended while dialing', () => {
  it('closed while the shell opens: no "Connected", no input wired, the connection closed', async () => {
    const statuses: Status[] = [];
    const v = fakeView();
    const session = new TerminalSession(v.view, (s) => statuses.push(s));
    const c = slowShellConnection();
    const dial: SshDialer = async () => c.connection;
    const started = session.start('ws://relay.invalid', target, dial, {}, hostKeys);
    await expect.poll(() => c.shellAsked.value).toBe(true);
    await session.close('The card was removed.');
    c.openShellNow();
    await started;
    expect(session.active).toBe(false);
    expect(c.closed.value).toBe(true);
    expect(statuses.map((s) => s.phase)).not.toContain('connected');
    expect(statuses.at(-1)).toMatchObject({ phase: 'closed', text: 'Closed: The card was removed.' });
    expect(v.inputs).toBe(0);
    expect(await session.done).toBe('The card was removed.');
  });

  it('closed during the dial: the dialer sees the abort and the session stays closed', async () => {
    const statuses: Status[] = [];
    const session = new TerminalSession(fakeView().view, (s) => statuses.push(s));
    let aborted = false;
    const dial: SshDialer = (_url, options) => new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); });
    });
    const started = session.start('ws://relay.invalid', target, dial, {}, hostKeys).catch((err: unknown) => session.fail(err));
    await session.close('The session ended after a period without activity.');
    await started;
    expect(aborted).toBe(true);
    expect(statuses.at(-1)).toMatchObject({ phase: 'closed', text: 'Closed: The session ended after a period without activity.' });
  });
});
