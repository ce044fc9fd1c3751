// `tessera ssh [user@]host [-p port] [-i key] [--relay ws://...] [--known-hosts file] [-o Option=value] [-- command]`
// A Node SSH client on the same ssh-proto modules as the page: direct TCP or through the relay,
// a raw-mode pty when attached to a terminal, host keys checked against known_hosts (fail closed),
// and the remote exit status as its own.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { CardLogin } from './card-login.ts';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';
import { connectRelay, connectTcp, type NetByteStream } from './net-stream.ts';
import { NODE_CRYPTO_BACKEND, NODE_PREFERRED_CIPHERS } from './node-crypto-backend.ts';
import { defaultProfilesFile, loadProfile, type Profile, type RevocationPolicy } from './profiles.ts';
import {
  connect, parsePrivateKeyFile, isPrivateKeyEncrypted, createHostKeyVerifier, formatKnownHostsLine, preferredHostKeyAlgorithms,
  HostKeyError, SshError, DEFAULT_HOST_KEY, setCryptoBackend, isCertificateType, parseCertificate, encodePublicKey, publicKeyType, type AuthMethod, type ClientEvent, type Session, type HostKeyInfo,
} from '../ssh-proto/index.ts';

export interface SshArgs {
  user: string;
  host: string;
  port: number;
  identities: string[];
  relay: string | undefined;
  knownHostsFile: string;
  /** yes: refuse unknown keys; accept-new: trust and record unknown keys (a changed key is always refused). */
  strictHostKeyChecking: 'yes' | 'accept-new';
  kex: string[] | undefined;
  ciphers: string[] | undefined;
  macs: string[] | undefined;
  hostKeyAlgorithms: string[] | undefined;
  rekeyAfterBytes: number | undefined;
  connectTimeoutMs: number;
  batchMode: boolean;
  /** auto: a pty when stdin is a terminal and no command was given. */
  pty: 'auto' | 'force' | 'never';
  verbose: boolean;
  command: string | undefined;
  /** --card usb|sim:PROFILE and --card-ca FILE: a smart-card identity (cli/card-login.ts). */
  card?: {
    spec: string; caFiles: string[];
    /** --card-cert FILE|URL (or the profile's certificate): an OpenSSH user certificate for the card key. */
    certificate?: string;
    /** The profile's auth order and policy (cli/profiles.ts). */
    order?: NonNullable<Profile['auth']>;
    revocation?: RevocationPolicy;
    allowSha1?: boolean;
  };
  /** --host-ca FILE: CAs trusted for X.509 host certificates, RFC 6187 (cli/host-ca.ts). */
  hostCaFiles?: string[];
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

const USAGE = `usage: tessera ssh [options] [user@]host [--] [command ...]

  -p PORT                 the server's port (default 22)
  -l USER                 the user name (default: user@ in the destination, else yours)
  -i FILE                 an OpenSSH private key file (repeatable; passphrases are asked for)
  -t / -T                 force / disable a pseudo-terminal (default: one when interactive)
  -v                      print the protocol steps and negotiated algorithms
  -o Option=value         KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms, RekeyLimit, Port, User,
                          IdentityFile, UserKnownHostsFile, StrictHostKeyChecking (yes|accept-new),
                          BatchMode, ConnectTimeout — as ssh_config(5) spells them
  --relay ws[s]://HOST/   reach the server through a Tessera relay instead of direct TCP
  --known-hosts FILE      known_hosts to check and record (default ~/.ssh/known_hosts)
  --accept-new            trust and record an unknown host key (a changed key is always refused)
  --card usb|sim:PROFILE  sign in with a smart card: the first USB CCID reader, or a simulated card
  --card-ca FILE          CA certificates the card's certificate must chain to (repeatable)
  --card-cert FILE|URL    an OpenSSH user certificate for the card's key (a file or an http(s) URL)
  --host-ca FILE          CAs trusted for X.509 host certificates, RFC 6187 (repeatable)
  --profile NAME          take host, port, user, card, CAs, certificate, auth order and policy from a profile;
                          options given here override it (without a destination, put the command after --)
  --profiles FILE         the profiles file, YAML or JSON (default $XDG_CONFIG_HOME/tessera/profiles.yaml,
                          else ~/.config/tessera/profiles.yaml)

The exit status is the remote command's; 255 when the connection or authentication fails.`;

/** Parses the command line (a subset of OpenSSH's ssh(1), same spellings). */
export function parseSshArgs(args: readonly string[]): SshArgs {
  const out: SshArgs = {
    user: '', host: '', port: 22, identities: [], relay: undefined,
    knownHostsFile: join(homedir(), '.ssh', 'known_hosts'), strictHostKeyChecking: 'yes',
    kex: undefined, ciphers: undefined, macs: undefined, hostKeyAlgorithms: undefined, rekeyAfterBytes: undefined,
    connectTimeoutMs: 15_000, batchMode: false, pty: 'auto', verbose: false, command: undefined,
  };
  let user: string | undefined;
  let destination: string | undefined;
  let profileName: string | undefined;
  let profilesFile: string | undefined;
  let cardCert: string | undefined;
  /** Options given on the command line, which a profile does not override. */
  const given = new Set<'port' | 'knownHosts' | 'cardCa' | 'hostCa'>();
  const rest: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const option = (kv: string) => {
    const m = /^([A-Za-z]+)\s*[= ]\s*(.+)$/.exec(kv);
    if (!m) throw new UsageError(`-o expects Option=value, not '${kv}'`);
    const [, key = '', v = ''] = m;
    switch (key.toLowerCase()) {
      case 'kexalgorithms': out.kex = list(v); break;
      case 'ciphers': out.ciphers = list(v); break;
      case 'macs': out.macs = list(v); break;
      case 'hostkeyalgorithms': out.hostKeyAlgorithms = list(v); break;
      case 'userknownhostsfile': out.knownHostsFile = v; given.add('knownHosts'); break;
      case 'port': out.port = parsePort(v); given.add('port'); break;
      case 'user': user = v; break;
      case 'identityfile': out.identities.push(v); break;
      case 'batchmode': out.batchMode = v === 'yes'; break;
      case 'connecttimeout': out.connectTimeoutMs = Number(v) * 1000; break;
      case 'stricthostkeychecking':
        if (v !== 'yes' && v !== 'accept-new') throw new UsageError('StrictHostKeyChecking may be yes or accept-new (Tessera never connects to an unverified host)');
        out.strictHostKeyChecking = v;
        break;
      case 'rekeylimit': {
        const r = /^(\d+)([KMG]?)$/i.exec(v.split(/\s+/)[0] ?? '');
        if (!r) throw new UsageError(`RekeyLimit '${v}' is not a size like 1G or 512M`);
        out.rekeyAfterBytes = Number(r[1]) * (SIZE_UNITS[(r[2] ?? '').toUpperCase()] ?? 1);
        break;
      }
      default: throw new UsageError(`unsupported option -o ${key}`);
    }
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (destination !== undefined && !a.startsWith('-')) { rest.push(...args.slice(i)); break; }
    switch (a) {
      case '--': rest.push(...args.slice(i + 1)); i = args.length; break;
      case '-h': case '--help': throw new HelpRequested(USAGE);
      case '-p': out.port = parsePort(value(i, a)); given.add('port'); i++; break;
      case '-l': user = value(i, a); i++; break;
      case '-i': out.identities.push(value(i, a)); i++; break;
      case '-o': option(value(i, a)); i++; break;
      case '-t': out.pty = 'force'; break;
      case '-T': out.pty = 'never'; break;
      case '-v': out.verbose = true; break;
      case '--relay': out.relay = value(i, a); i++; break;
      case '--known-hosts': out.knownHostsFile = value(i, a); given.add('knownHosts'); i++; break;
      case '--accept-new': out.strictHostKeyChecking = 'accept-new'; break;
      case '--card': out.card = { spec: value(i, a), caFiles: out.card?.caFiles ?? [] }; i++; break;
      case '--card-ca': out.card = { spec: out.card?.spec ?? '', caFiles: [...(out.card?.caFiles ?? []), value(i, a)] }; given.add('cardCa'); i++; break;
      case '--card-cert': cardCert = value(i, a); i++; break;
      case '--host-ca': out.hostCaFiles = [...(out.hostCaFiles ?? []), value(i, a)]; given.add('hostCa'); i++; break;
      case '--profile': profileName = value(i, a); i++; break;
      case '--profiles': profilesFile = value(i, a); i++; break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        destination = a;
    }
  }
  if (profilesFile !== undefined && profileName === undefined) throw new UsageError('--profiles FILE needs --profile NAME');
  const profile = profileName !== undefined ? loadProfile(profilesFile ?? defaultProfilesFile(), profileName) : undefined;
  if (destination === undefined) {
    if (profile?.host === undefined) throw new UsageError(profile ? `the profile '${profileName}' has no host: give a destination.` : USAGE);
    destination = profile.host;
  }
  const at = destination.lastIndexOf('@');
  if (at >= 0) { user ??= destination.slice(0, at); destination = destination.slice(at + 1); }
  if (profile) applyProfile(out, profile, given);
  user ??= profile?.user;
  if (cardCert !== undefined) out.card = { spec: out.card?.spec ?? '', caFiles: out.card?.caFiles ?? [], ...out.card, certificate: cardCert };
  out.host = destination.replace(/^\[(.*)\]$/, '$1');
  out.user = user ?? userInfo().username;
  if (rest.length > 0) out.command = rest.join(' ');
  return out;
}

/** Fills what the command line left unset from `profile` (cli/profiles.ts). */
function applyProfile(out: SshArgs, p: Profile, given: ReadonlySet<string>): void {
  if (p.port !== undefined && !given.has('port')) out.port = p.port;
  if (p.knownHosts !== undefined && !given.has('knownHosts')) out.knownHostsFile = p.knownHosts;
  if (p.relay !== undefined && out.relay === undefined) out.relay = p.relay;
  if (p.identities !== undefined && out.identities.length === 0) out.identities = [...p.identities];
  if (p.hostCa !== undefined && !given.has('hostCa')) out.hostCaFiles = [...p.hostCa];
  const spec = out.card?.spec || p.card;
  if (spec === undefined && out.card === undefined) return;
  out.card = {
    spec: spec ?? '',
    caFiles: given.has('cardCa') || p.cardCa === undefined ? out.card?.caFiles ?? [] : [...p.cardCa],
    ...(p.certificate !== undefined ? { certificate: p.certificate } : {}),
    ...(p.auth !== undefined ? { order: p.auth } : {}),
    ...(p.policy?.revocation !== undefined ? { revocation: p.policy.revocation } : {}),
    ...(p.policy?.allowSha1 !== undefined ? { allowSha1: p.policy.allowSha1 } : {}),
  };
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`'${v}' is not a port number`);
  return n;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function loadIdentities(a: SshArgs, interactive: boolean): Promise<AuthMethod[]> {
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
  const paths = a.identities.length > 0 ? a.identities : defaults;
  const methods: AuthMethod[] = [];
  for (const path of paths) {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (err) {
      throw new UsageError(`cannot read the identity file ${path}: ${(err as Error).message}`);
    }
    let passphrase: string | undefined;
    if (isPrivateKeyEncrypted(text)) {
      if (!interactive) { say(`tessera ssh: skipping ${path}: it is passphrase-protected and there is no terminal to ask.`); continue; }
      passphrase = await readSecret(`Enter passphrase for key '${path}': `);
    }
    methods.push({ type: 'publickey', signer: await parsePrivateKeyFile(text, passphrase) });
  }
  return methods;
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
 * Copies a session stream to stdout/stderr: a plain read loop (lighter per chunk than pipeTo into a
 * WritableStream), waiting for 'drain' only when the stream buffers. A closed stdout (EPIPE) stops reading;
 * the channel then discards and keeps its window moving.
 */
async function forward(from: ReadableStream<Uint8Array>, out: NodeJS.WriteStream): Promise<void> {
  const reader = from.getReader();
  let broken = false;
  const onError = () => { broken = true; };
  out.on('error', onError);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const flowing = out.write(value);
      if (broken) break;
      if (flowing) continue;
      await new Promise<void>((resolve) => {
        const settle = () => { out.off('drain', settle); out.off('error', settle); out.off('close', settle); resolve(); };
        out.once('drain', settle);
        out.once('error', settle);
        out.once('close', settle);
      });
      if (broken) break;
    }
    await reader.cancel();
  } catch {
    /* the session failed: its error is reported from session.exit */
  } finally {
    out.off('error', onError);
  }
}

/** Runs the session: stdio forwarding, raw-mode pty and window changes; resolves with the exit status. */
async function runSession(session: Session, usePty: boolean): Promise<number> {
  const stdin = process.stdin;
  const restore: (() => void)[] = [];
  if (usePty && stdin.isTTY) {
    stdin.setRawMode(true);
    restore.push(() => stdin.setRawMode(false));
    const onResize = () => { session.windowChange(process.stdout.columns ?? 80, process.stdout.rows ?? 24).catch(() => undefined); };
    process.stdout.on('resize', onResize);
    process.on('SIGWINCH', onResize);
    restore.push(() => { process.stdout.off('resize', onResize); process.off('SIGWINCH', onResize); });
  }
  const stdoutDone = forward(session.stdout, process.stdout);
  const stderrDone = forward(session.stderr, process.stderr);
  const input = Readable.toWeb(stdin) as ReadableStream<Uint8Array>;
  const abortInput = new AbortController();
  void input.pipeTo(session.stdin, { signal: abortInput.signal }).catch(() => undefined);
  try {
    const exit = await session.exit;
    await Promise.all([stdoutDone, stderrDone]);
    if (exit.code !== undefined) return exit.code;
    if (exit.signal !== undefined) {
      say(`tessera ssh: the remote command was killed by signal ${exit.signal}.`);
      return 128 + (SIGNALS[exit.signal] ?? 0);
    }
    return 255;
  } finally {
    abortInput.abort();
    stdin.pause();
    stdin.unref?.();
    for (const r of restore) r();
  }
}

export const command: Command = {
  async run(args) {
    const a = parseSshArgs(args);
    setCryptoBackend(NODE_CRYPTO_BACKEND); // OpenSSL, synchronous (cli/node-crypto-backend.ts)
    if (a.verbose) say(`tessera: Crypto backend ${NODE_CRYPTO_BACKEND.name}`);
    const interactive = process.stdin.isTTY === true && !a.batchMode;
    const usePty = a.pty === 'force' || (a.pty === 'auto' && a.command === undefined && process.stdin.isTTY === true);
    const onEvent = (event: ClientEvent) => {
      if (!a.verbose) return;
      const line = describeEvent(event, a);
      if (line) say(`tessera: ${line}`);
    };
    let stream: NetByteStream | undefined;
    let card: CardLogin | undefined;
    // Connect first, as ssh(1) does: the server forks and sends its version while keys and known_hosts load
    // (bench/ssh/handshake.ts). Not with a card: its PIN prompt may take longer than the server waits.
    const open = () => (a.relay ? connectRelay(a.relay, a.host, a.port, { timeoutMs: a.connectTimeoutMs }) : connectTcp(a.host, a.port, { timeoutMs: a.connectTimeoutMs }));
    let connecting = a.card ? undefined : open();
    connecting?.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
    try {
      if (a.card && !a.card.spec) throw new UsageError('--card-ca and --card-cert need --card usb|sim:PROFILE');
      // The card stack (ccid, card, identity, pki, node-usb) loads only when a card is used.
      card = a.card ? await (await import('./card-login.ts')).cardLogin({ ...a.card, say, askPin: async (r) => readSecret(`PIN for ${r.keyLabel}${r.retriesLeft !== undefined ? ` (${r.retriesLeft} tries left)` : ''}: `) }) : undefined;
      const methods = card ? card.methods : await loadIdentities(a, interactive);
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
      const knownHosts = existsSync(a.knownHostsFile) ? readFileSync(a.knownHostsFile, 'utf8') : '';
      const verifier = hostKeyChecker(a, knownHosts);
      // Ask first for the key types known_hosts already has for this host (OpenSSH order_hostkeyalgs).
      const hostKeys = a.hostKeyAlgorithms ?? await preferredHostKeyAlgorithms(knownHosts, a.host, a.port, DEFAULT_HOST_KEY);
      const trust = a.hostCaFiles ? (await import('./host-ca.ts')).x509HostTrust(a.host, a.hostCaFiles, verifier, hostKeys) : { verifyHostKey: verifier, hostKeyAlgorithms: hostKeys };
      stream = await (connecting ??= open());
      const client = await connect(stream, {
        username: a.user,
        auth: { methods, onBanner: (m: string) => process.stderr.write(m) },
        verifyHostKey: trust.verifyHostKey,
        algorithms: {
          ...(a.kex ? { kex: a.kex } : {}), ciphers: a.ciphers ?? NODE_PREFERRED_CIPHERS,
          ...(a.macs ? { macs: a.macs } : {}), hostKeys: trust.hostKeyAlgorithms,
        },
        ...(a.rekeyAfterBytes !== undefined ? { rekeyAfterBytes: a.rekeyAfterBytes } : {}),
        handshakeTimeoutMs: a.connectTimeoutMs,
        onEvent,
      });
      card?.watchRemoval(client); // the card pulled out ends the session (cli/card-login.ts)
      const pty = usePty ? { term: process.env['TERM'] ?? 'xterm-256color', cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } : undefined;
      const session = a.command !== undefined
        ? await client.exec(a.command, pty ? { pty } : {})
        : await client.shell(pty ? { pty } : {});
      const status = await runSession(session, usePty);
      await client.close().catch(() => undefined);
      return status;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (card?.removed) return 255; // cli/card-login.ts already said why the session ended
      say(`tessera ssh: ${(err as Error).message}${err instanceof SshError ? ` [${err.code}]` : ''}`);
      return 255;
    } finally {
      stream?.destroy();
      connecting?.then((s) => s.destroy(), () => undefined);
    }
  },
};

/** known_hosts checking: unknown keys refused (or recorded with accept-new); a changed key always refused. */
function hostKeyChecker(a: SshArgs, knownHosts: string): (key: HostKeyInfo) => Promise<void> {
  const verify = createHostKeyVerifier({ knownHosts, host: a.host, port: a.port });
  return async (key) => {
    try {
      await verify(key);
    } catch (err) {
      if (err instanceof HostKeyError && err.code === 'HOST_KEY_UNKNOWN' && err.known.length === 0 && a.strictHostKeyChecking === 'accept-new') {
        mkdirSync(dirname(a.knownHostsFile), { recursive: true });
        // A host certificate without a trusted CA is recorded as its plain key, as OpenSSH does.
        const plain = isCertificateType(publicKeyType(key.blob)) ? encodePublicKey(parseCertificate(key.blob).key) : key.blob;
        appendFileSync(a.knownHostsFile, `${await formatKnownHostsLine({ host: a.host, port: a.port, key: plain })}\n`);
        say(`Warning: Permanently added '${a.port === 22 ? a.host : `[${a.host}]:${a.port}`}' (${err.keyType} ${err.fingerprint}) to the list of known hosts.`);
        return;
      }
      if (err instanceof HostKeyError && err.code === 'HOST_KEY_CHANGED') say(changedKeyWarning(err, a));
      throw err;
    }
  };
}

/** OpenSSH's warning for a changed host key (sshconnect.c warn_changed_key), then a hard stop. */
function changedKeyWarning(err: HostKeyError, a: SshArgs): string {
  const bar = '@'.repeat(59);
  const old = err.known[0];
  return [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${err.keyType} key sent by the remote host is`,
    `${err.fingerprint}.`,
    `Please contact your system administrator.`,
    ...(old ? [`Offending ${old.keyType} key in ${a.knownHostsFile}:${old.line}`] : []),
    `Host key for ${a.port === 22 ? a.host : `[${a.host}]:${a.port}`} has changed and Tessera refuses to connect.`,
  ].join('\n');
}

function readSecret(prompt: string, echo = false): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.resume();
    let answer = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err); else resolve(answer);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') { finish(); return; }
        if (ch === '\u0003') { finish(new Error('cancelled at the prompt')); return; }
        if (ch === '\u007f' || ch === '\b') { answer = answer.slice(0, -1); continue; }
        answer += ch;
        if (echo) process.stderr.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}
