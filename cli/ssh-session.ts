// The session half of `tessera ssh` (cli/ssh.ts parses the command line and starts connecting, then loads this):
// keys, known_hosts (cli/host-key-trust.ts), the SSH connection on the node:crypto backend, stdio forwarding with a
// raw-mode pty when attached to a terminal, and the remote exit status as the command's own.
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isatty } from 'node:tty';
import { resolveAlgorithmList } from './algorithm-list.ts';
import type { CardLogin } from './card-login.ts';
import { UsageError } from './command.ts';
import { EscapeFilter, escapeHelp, showEscapeChar, type EscapeCommand } from './escape-filter.ts';
import { FdWriter } from './fd-writer.ts';
import { pumpOutput, streamSink, type OutputSink } from './output-pump.ts';
import { PromptError, readSecret } from './prompt.ts';
import { stderr } from './stderr.ts';
import type { NetByteStream } from './net-stream.ts';
import { NODE_CRYPTO_BACKEND, NODE_PREFERRED_CIPHERS } from './node-crypto-backend.ts';
import { hostKeyChecker } from './host-key-trust.ts';
import type { SshArgs } from './ssh.ts';
import { sessionEnv } from './ssh-options.ts';
import { canSuspend, suspendSelf } from './suspend.ts';
import {
  connect, parsePrivateKeyFile, isPrivateKeyEncrypted, preferredHostKeyAlgorithms, SshError, DEFAULT_HOST_KEY, DEFAULT_KEX, DEFAULT_MACS,
  SUPPORTED_KEX, SUPPORTED_CIPHERS, SUPPORTED_MACS, X509V3_HOST_KEY, INSECURE_X509V3_HOST_KEY, setCryptoBackend, WRITE_QUEUE_BYTES,
  SshWriter, type AuthMethod, type ClientEvent, type Session, type SshClient,
} from '../ssh-proto/index.ts';

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };

function say(message: string): void {
  stderr().write(`${message}\n`);
}

/** -q / LogLevel (cli/ssh.ts), set when the session starts. */
let logLevel: SshArgs['logLevel'] = 'info';

/** A message ssh(1) logs at INFO (logit): hidden by -q and LogLevel=ERROR. */
function info(message: string): void {
  if (logLevel === 'info') say(message);
}

/** An error message: hidden by -q (LogLevel QUIET), as ssh(1) hides even its fatal ones. */
function error(message: string): void {
  if (logLevel !== 'quiet') say(message);
}

async function loadIdentities(a: SshArgs, interactive: boolean): Promise<AuthMethod[]> {
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
  const paths = a.identities.length > 0 ? a.identities : defaults;
  const methods: AuthMethod[] = [];
  for (const path of paths) {
    let text: string;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      // ssh(1) ignores a private key file of the user's that others may read (authfile.c sshkey_perm_ok).
      if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0) {
        error(unprotectedKeyWarning(path, st.mode));
        continue;
      }
      text = readFileSync(fd, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the identity file ${path}: ${(err as Error).message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    let passphrase: string | undefined;
    if (isPrivateKeyEncrypted(text)) {
      if (!interactive) { info(`tessera ssh: skipping ${path}: it is passphrase-protected and there is no terminal to ask.`); continue; }
      passphrase = await readSecret(`Enter passphrase for key '${path}': `, false, 'the passphrase was given');
    }
    methods.push({ type: 'publickey', signer: await parsePrivateKeyFile(text, passphrase) });
  }
  return methods;
}

/** OpenSSH's words for a private key file that others can read (authfile.c sshkey_perm_ok, sshconnect2.c). */
function unprotectedKeyWarning(path: string, mode: number): string {
  const bar = '@'.repeat(59);
  return [
    bar,
    '@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @',
    bar,
    `Permissions 0${(mode & 0o777).toString(8).padStart(3, '0')} for '${path}' are too open.`,
    'It is required that your private key files are NOT accessible by others.',
    'This private key will be ignored.',
    `Load key "${path}": bad permissions`,
  ].join('\n');
}

function describeEvent(event: ClientEvent, a: SshArgs): string | undefined {
  switch (event.type) {
    case 'connecting': return `Connecting to ${a.host} port ${a.port}${a.relay ? ` through ${a.relay}` : ''}`;
    case 'kex-done': return `Key exchange ${event.initial ? 'done' : 'renewed'}: ${event.algorithms.kex}, ${event.algorithms.hostKey}, ${event.algorithms.cipherServerToClient}${event.algorithms.macServerToClient !== 'none' ? ` + ${event.algorithms.macServerToClient}` : ''}${event.strictKex ? ', strict kex' : ''}`;
    case 'authenticating': return `Authenticating as ${event.username}`;
    case 'connected': return `Connected to ${event.serverVersion}`;
    case 'closed': return `Connection closed${event.reason ? `: ${event.reason.message}` : ''}`;
  }
}

/**
 * Copies stdin into the session, then EOF, with plain stream events. Chunks queue in the channel's writable (up to
 * its WRITE_QUEUE_BYTES) while earlier ones go out, so stdin reads ahead; reading pauses when that queue is full and
 * resumes once it has room (the peer's window drives it). Waiting for each chunk to be sent instead left the main
 * thread idle for ~30% of an upload (a read of 64 KiB at a time). Readable.toWeb + pipeTo cost ~10 ms per start
 * (web-stream set-up, and the released writer's error built in a fresh VM context when the pipe was aborted).
 * Returns a function that stops copying.
 */
function forwardInput(input: Readable, to: WritableStream<Uint8Array>, filter?: (chunk: Uint8Array) => Uint8Array[]): () => void {
  const writer = to.getWriter();
  let stopped = false;
  const stop = () => {
    stopped = true;
    input.off('data', onData);
    input.off('end', onEnd);
  };
  const onData = (chunk: Buffer) => {
    // Queued by reference: Node reads each chunk into a buffer of its own.
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (const part of filter ? filter(bytes) : [bytes]) writer.write(part).catch(stop);
    if (stopped || (writer.desiredSize ?? 0) > 0) return;
    input.pause();
    writer.ready.then(() => { if (!stopped) input.resume(); }, stop);
  };
  const onEnd = () => { if (!stopped) writer.close().catch(() => undefined); };
  input.on('data', onData);
  input.once('end', onEnd);
  return stop;
}

/**
 * Bytes per read of a file on stdin (256 KiB): Node's stdin stream reads 64 KiB per thread-pool job, each waking the
 * main thread. A quarter of the channel's write queue, so that reads still run ahead.
 */
const FILE_READ_BYTES = WRITE_QUEUE_BYTES / 4;

/** The session's input: a regular file on stdin is read in large pieces; a terminal or a pipe is Node's stdin stream. */
function openInput(): Readable {
  let file = false;
  try { file = fstatSync(0).isFile(); } catch { /* no stdin: Node's stream reports it */ }
  return file ? createReadStream('', { fd: 0, autoClose: false, highWaterMark: FILE_READ_BYTES }) : process.stdin;
}

/**
 * The channel window of a session whose output goes elsewhere than a terminal (a pipe, a file, a socket): 8 MiB,
 * where OpenSSH and ssh-proto's default give 2 MiB. The peer sends at most one window per round trip (RFC 4254
 * §5.2): 2 MiB over a 50 ms path caps a transfer at 40 MB/s. On loopback the effect is small: ~4% less time for `cat` of 512 MiB on
 * average over 48 alternating pairs against 2 MiB, within the noise of bench/ssh/throughput.ts. Output to a terminal
 * keeps the default: less of it is already in flight when Ctrl+C stops the command.
 */
const BULK_WINDOW = 8 * 1024 * 1024;

/**
 * Runs the session: stdio forwarding, raw-mode pty and window changes, escape sequences; resolves with the exit
 * status (255 after ~.).
 */
async function runSession(client: SshClient, session: Session, usePty: boolean, a: SshArgs): Promise<{ status: number; signal?: NodeJS.Signals }> {
  // -n: stdin is left alone (a `while read` loop keeps its lines); the command gets its end of input at once.
  const stdin = a.stdinNull ? undefined : openInput();
  const restore: (() => void)[] = [];
  let terminate!: (signal?: NodeJS.Signals) => void;
  const terminated = new Promise<{ signal?: NodeJS.Signals }>((resolve) => { terminate = (signal) => resolve(signal ? { signal } : {}); });
  // SIGINT, SIGTERM, SIGHUP end the session as ~. does, terminal restored, exit 255 (ssh(1) clientloop.c
  // signal_handler); Node's default would end the process at once, its status the signal's.
  const onSignal = (signal: NodeJS.Signals) => terminate(signal);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  restore.push(() => { for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal); });
  // ssh(1) recognises escapes only in a pty session (-T, or a command without -t, is transparent).
  const escapes = usePty && a.escapeChar !== 'none' ? escapeRunner(new EscapeFilter(a.escapeChar), a.escapeChar, client, session, () => terminate()) : undefined;
  if (usePty && isatty(0)) {
    if (stdin) {
      process.stdin.setRawMode(true);
      restore.push(() => process.stdin.setRawMode(false));
    }
    const onResize = () => { session.windowChange(process.stdout.columns ?? 80, process.stdout.rows ?? 24).catch(() => undefined); };
    process.stdout.on('resize', onResize);
    process.on('SIGWINCH', onResize);
    restore.push(() => { process.stdout.off('resize', onResize); process.off('SIGWINCH', onResize); });
  }
  // A pipe or a file gets thread-pool writes (cli/fd-writer.ts), stderr too: Node's stderr stream would set a pipe
  // that `2>&1 |` shares with stdout non-blocking. A terminal keeps Node's stream, created only then.
  const sinkFor = (fd: 1 | 2, stream: () => NodeJS.WriteStream): OutputSink => (usePty ? undefined : FdWriter.forPipeOrFile(fd, () => streamSink(stream()))) ?? streamSink(stream());
  const stdoutSink = sinkFor(1, () => process.stdout);
  const stderrSink = sinkFor(2, stderr);
  restore.push(() => { stdoutSink.dispose?.(); stderrSink.dispose?.(); });
  // stdout's reader went away (EPIPE, `| head -1`): say so with eow@openssh.com, no reply, as OpenSSH's client does
  // (PROTOCOL §2.1; nchan.c chan_write_failed). sshd then closes the command's stdout, and a command that writes
  // forever ends with SIGPIPE instead of running on unread. Servers that do not know it ignore it (RFC 4254 §6.1).
  let stdoutClosed = false;
  const stdoutDone = pumpOutput(session.source, stdoutSink, () => {
    stdoutClosed = true;
    session.request('eow@openssh.com', new Uint8Array(0), false).catch(() => undefined);
  });
  const stderrDone = pumpOutput(session.sourceStderr, stderrSink);
  const stopInput = stdin ? forwardInput(stdin, session.stdin, escapes) : () => undefined;
  if (!stdin) session.stdin.close().catch(() => undefined);
  try {
    const exit = await Promise.race([session.exit.then((e) => ({ exit: e })), terminated]);
    if (!('exit' in exit)) return { status: 255, ...exit }; // ~. or a signal: no status, as ssh(1)
    await Promise.all([stdoutDone, stderrDone]);
    const { code, signal } = exit.exit;
    if (code !== undefined) return { status: code };
    if (signal !== undefined) {
      // SIGPIPE after our own reader went away is the expected end of `| head`: quiet, as a local pipeline.
      if (!(stdoutClosed && signal === 'PIPE')) info(`tessera ssh: the remote command was killed by signal ${signal}.`);
      return { status: 128 + (SIGNALS[signal] ?? 0) };
    }
    return { status: 255 };
  } finally {
    stopInput();
    stdin?.pause();
    if (stdin === process.stdin) process.stdin.unref?.(); // a terminal or a pipe: no longer keeps the process alive
    else stdin?.destroy(); // a file read ahead
    for (const r of restore) r();
  }
}

/**
 * Escape sequences typed into a pty session (cli/escape-filter.ts): returns the input filter, which runs the commands
 * in order with the data around them. Messages go to stderr with CR LF: the terminal is in raw mode.
 */
function escapeRunner(filter: EscapeFilter, escapeChar: number, client: SshClient, session: Session, terminate: () => void): (chunk: Uint8Array) => Uint8Array[] {
  let ended = false;
  const run = (c: EscapeCommand) => {
    switch (c.type) {
      case 'terminate': ended = true; terminate(); break;
      case 'help': stderr().write(escapeHelp(escapeChar)); break;
      // RFC 4335 §3: "break", uint32 break-length in ms; OpenSSH's ~B asks for 1000 ms.
      case 'break': session.request('break', new SshWriter().uint32(1000).toBytes(), false).catch(() => undefined); break;
      case 'rekey': client.transport.rekey(); break;
      case 'suspend': {
        const e = showEscapeChar(escapeChar);
        if (!canSuspend()) { stderr().write(`${e}^Z: no job control here (nothing could continue tessera ssh); not suspended.\r\n`); break; }
        stderr().write(`${e}^Z [suspend ssh]\r\n`);
        const raw = process.stdin.isTTY && process.stdin.isRaw;
        if (raw) process.stdin.setRawMode(false);
        suspendSelf(() => {
          if (raw) process.stdin.setRawMode(true);
          session.windowChange(process.stdout.columns ?? 80, process.stdout.rows ?? 24).catch(() => undefined);
        });
        break;
      }
      case 'unsupported': stderr().write(`${c.sequence} is not supported: ${c.note}.\r\n`); break;
    }
  };
  return (chunk) => {
    const data: Uint8Array[] = [];
    if (ended) return data; // nothing typed after ~. is sent
    for (const part of filter.push(chunk)) {
      if (part instanceof Uint8Array) { if (!ended) data.push(part); } else if (!ended) run(part);
    }
    return data;
  };
}

/**
 * Runs `tessera ssh` once the arguments are parsed: `early` is the connection cli/ssh.ts already started (undefined
 * with a card), `open` starts one. Resolves with the exit status: the remote command's, 255 when the connection or
 * authentication fails.
 */
export async function runSsh(a: SshArgs, open: () => Promise<NetByteStream>, early: Promise<NetByteStream> | undefined): Promise<number> {
  setCryptoBackend(NODE_CRYPTO_BACKEND); // OpenSSL, synchronous (cli/node-crypto-backend.ts)
  logLevel = a.logLevel;
  if (a.verbose) say(`tessera: Crypto backend ${NODE_CRYPTO_BACKEND.name}`);
  // isatty, not process.stdin.isTTY: a file on stdin is then read by openInput() without Node's stdin stream.
  // -n: as if stdin were /dev/null, which is not a terminal and answers no prompt.
  const stdinTty = !a.stdinNull && isatty(0);
  const interactive = stdinTty && !a.batchMode;
  const usePty = a.pty === 'force' || (a.pty === 'request' && stdinTty) || (a.pty === 'auto' && a.command === undefined && stdinTty);
  // A single -t with stdin not a terminal: no pty, which would echo piped input and never see its end (ssh(1)).
  if (a.pty === 'request' && !usePty) info('Pseudo-terminal will not be allocated because stdin is not a terminal.');
  const onEvent = (event: ClientEvent) => {
    if (!a.verbose) return;
    const line = describeEvent(event, a);
    if (line) say(`tessera: ${line}`);
  };
  let stream: NetByteStream | undefined;
  let card: CardLogin | undefined;
  let connecting = early;
  try {
    if (a.card && !a.card.spec) throw new UsageError('--card-ca and --card-cert need --card usb|sim:PROFILE');
    // Checked before a PIN or passphrase is asked for (cli/algorithm-list.ts).
    const algorithms = {
      ...(a.kex !== undefined ? { kex: resolveAlgorithmList('KexAlgorithms', a.kex, DEFAULT_KEX, SUPPORTED_KEX) } : {}),
      ciphers: a.ciphers !== undefined ? resolveAlgorithmList('Ciphers', a.ciphers, NODE_PREFERRED_CIPHERS, SUPPORTED_CIPHERS) : NODE_PREFERRED_CIPHERS,
      ...(a.macs !== undefined ? { macs: resolveAlgorithmList('MACs', a.macs, DEFAULT_MACS, SUPPORTED_MACS) } : {}),
    };
    const hostKeysGiven = a.hostKeyAlgorithms !== undefined
      ? resolveAlgorithmList('HostKeyAlgorithms', a.hostKeyAlgorithms, DEFAULT_HOST_KEY, [...DEFAULT_HOST_KEY, ...X509V3_HOST_KEY, ...INSECURE_X509V3_HOST_KEY])
      : undefined;
    // Keys are read (and passphrases asked) only when publickey may be tried at all.
    const wantKeys = a.auth.publickey && (a.auth.preferred?.includes('publickey') ?? true);
    if (a.card && !wantKeys) throw new UsageError('--card signs in by public key: PubkeyAuthentication=no or a PreferredAuthentications without publickey leaves it nothing to do');
    // The card stack (ccid, card, identity, pki, node-usb) loads only when a card is used.
    card = a.card ? await (await import('./card-login.ts')).cardLogin({ ...a.card, say, askPin: async (r) => a.stdinNull ? Promise.reject(new PromptError('PROMPT_INPUT_ENDED', 'stdin is not read (-n): the PIN cannot be asked for; nothing was signed.')) : readSecret(`PIN for ${r.keyLabel}${r.retriesLeft !== undefined ? ` (${r.retriesLeft} tries left)` : ''}: `, false, 'the PIN was given; nothing was signed') }) : undefined;
    const methods = card ? card.methods : wantKeys ? await loadIdentities(a, interactive) : [];
    if (interactive) {
      methods.push({
        type: 'keyboard-interactive',
        respond: async (request) => {
          if (request.instruction) say(request.instruction);
          const answers: string[] = [];
          for (const p of request.prompts) answers.push(await readSecret(p.prompt, p.echo));
          return answers;
        },
      });
      methods.push({ type: 'password', password: async () => readSecret(`${a.user}@${a.host}'s password: `) });
    }
    const allowed = methods.filter((m) => (m.type === 'publickey' ? a.auth.publickey : m.type === 'password' ? a.auth.password : a.auth.keyboardInteractive));
    const preferred = a.auth.preferred;
    // PreferredAuthentications: only the methods named, in its order (a stable sort keeps keys in their order).
    const ordered = preferred ? allowed.filter((m) => preferred.includes(m.type)).sort((x, y) => preferred.indexOf(x.type) - preferred.indexOf(y.type)) : allowed;
    const knownHosts = existsSync(a.knownHostsFile) ? readFileSync(a.knownHostsFile, 'utf8') : '';
    const verifier = hostKeyChecker(a, knownHosts, { info, error });
    // Ask first for the key types known_hosts already has for this host (OpenSSH order_hostkeyalgs), unless told.
    const hostKeys = hostKeysGiven ?? await preferredHostKeyAlgorithms(knownHosts, a.host, a.port, DEFAULT_HOST_KEY);
    const trust = a.hostCaFiles ? (await import('./host-ca.ts')).x509HostTrust(a.host, a.hostCaFiles, verifier, hostKeys) : { verifyHostKey: verifier, hostKeyAlgorithms: hostKeys };
    stream = await (connecting ??= open());
    const client = await connect(stream, {
      username: a.user,
      auth: { methods: ordered, onBanner: (m: string) => { if (logLevel === 'info') stderr().write(m); } }, // ssh(1): INFO
      verifyHostKey: trust.verifyHostKey,
      algorithms: {
        ...algorithms, hostKeys: trust.hostKeyAlgorithms,
      },
      ...(a.rekeyAfterBytes !== undefined ? { rekeyAfterBytes: a.rekeyAfterBytes } : {}),
      ...(a.rekeyAfterMs !== undefined ? { rekeyAfterMs: a.rekeyAfterMs } : {}),
      // isatty, not process.stdout.isTTY: creating Node's stream would make a pipe non-blocking (cli/fd-writer.ts).
      connection: {
        ...(!usePty && !isatty(1) ? { windowSize: BULK_WINDOW } : {}),
        // ServerAliveInterval: keepalive@openssh.com after that long without a message, as ssh(1).
        ...(a.serverAliveIntervalMs > 0 ? { keepaliveIntervalMs: a.serverAliveIntervalMs, keepaliveMaxMissed: a.serverAliveCountMax } : {}),
      },
      handshakeTimeoutMs: a.connectTimeoutMs,
      onEvent,
    });
    card?.watchRemoval(client); // the card pulled out ends the session (cli/card-login.ts)
    const pty = usePty ? { term: process.env['TERM'] ?? 'xterm-256color', cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } : undefined;
    const env = sessionEnv(a);
    const options = { ...(pty ? { pty } : {}), ...(Object.keys(env).length > 0 ? { env } : {}) };
    const session = a.command !== undefined ? await client.exec(a.command, options) : await client.shell(options);
    const { status, signal } = await runSession(client, session, usePty, a);
    await client.close().catch(() => undefined);
    if (signal !== undefined) {
      if (a.verbose) say(`tessera: Killed by signal ${SIGNALS[signal.slice(3)] ?? signal}.`);
      return status;
    }
    // ssh(1) ends a pty session with this line (clientloop.c client_loop), after ~. too.
    if (usePty && logLevel === 'info') stderr().write(`Connection to ${a.host} closed.\r\n`);
    return status;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (card?.removed) return 255; // cli/card-login.ts already said why the session ended
    error(`tessera ssh: ${(err as Error).message}${err instanceof SshError ? ` [${err.code}]` : ''}`);
    return 255;
  } finally {
    stream?.destroy();
    connecting?.then((s) => s.destroy(), () => undefined);
  }
}

