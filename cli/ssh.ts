// `tessera ssh [user@]host [-p port] [-i key] [--relay ws://...] [--known-hosts file] [-o Option=value] [-- command]`
// A Node SSH client on the same ssh-proto modules as the page: direct TCP or through the relay,
// a raw-mode pty when attached to a terminal, host keys checked against known_hosts (fail closed),
// and the remote exit status as its own. This file parses the command line and starts connecting; the SSH modules
// load meanwhile with cli/ssh-session.ts, which runs the session.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';
import { parseEscapeChar, type EscapeChar } from './escape-filter.ts';
import { applyConfigFiles, defaultConfigSources, resolvedHostName, type ConfigSource } from './ssh-config.ts';
import { printConfig } from './ssh-config-dump.ts';
import { expandHome, expandPath } from './ssh-config-tokens.ts';
import { applyOption, first, parsePort, type LogSetting, type OptionState } from './ssh-options.ts';
import { raiseMallocTrimThreshold } from './malloc-trim.ts';
import { connectRelay, connectTcp } from './net-stream.ts';
import { defaultProfilesFile, loadProfile, type Profile, type RevocationPolicy } from './profiles.ts';

export interface SshArgs {
  user: string;
  host: string;
  port: number;
  identities: string[];
  relay: string | undefined;
  knownHostsFile: string;
  /** yes: refuse unknown keys; accept-new: trust and record unknown keys (a changed key is always refused). */
  strictHostKeyChecking: 'yes' | 'accept-new';
  /** -o KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms as given (+, -, ^ lists: cli/algorithm-list.ts). */
  kex: string | undefined;
  ciphers: string | undefined;
  macs: string | undefined;
  hostKeyAlgorithms: string | undefined;
  /** RekeyLimit's size and time; undefined: ssh-proto's defaults (1 GiB, 1 hour). */
  rekeyAfterBytes: number | undefined;
  rekeyAfterMs: number | undefined;
  connectTimeoutMs: number;
  /** ServerAliveInterval (0: off) and ServerAliveCountMax: a server that stops answering ends the session (255). */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  batchMode: boolean;
  /** -o SetEnv NAME=VALUE pairs, and -o SendEnv patterns of local variables to send (ssh_config(5)). */
  setEnv: [string, string][];
  sendEnv: string[];
  /** PubkeyAuthentication, PasswordAuthentication, KbdInteractiveAuthentication, PreferredAuthentications. */
  auth: { publickey: boolean; password: boolean; keyboardInteractive: boolean; preferred?: string[] };
  /** -4 / -6 / AddressFamily: connect over IPv4 or IPv6 only (direct TCP). */
  addressFamily: 4 | 6 | undefined;
  /** -n / StdinNull: stdin is not read; the command gets its end at once (as from /dev/null). */
  stdinNull: boolean;
  /** auto: a pty when stdin is a terminal and no command was given; request (-t): when stdin is a terminal; force (-tt). */
  pty: 'auto' | 'request' | 'force' | 'never';
  verbose: boolean;
  /** -q / LogLevel: quiet (no message of ours; prompts still shown), error (errors only), or info (the default). */
  logLevel: 'quiet' | 'error' | 'info';
  /** -e / EscapeChar: the escape character of a pty session (cli/escape-filter.ts), default ~. */
  escapeChar: EscapeChar;
  command: string | undefined;
  /** --card usb|sim:PROFILE|sim-openpgp:PROFILE and --card-ca FILE: a smart-card identity (cli/card-login.ts). */
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
  /** -G: print the resolved settings as `ssh -G` does (cli/ssh-config-dump.ts) instead of connecting. */
  printConfig?: { originalHost: string; identityFiles: string[]; knownHostsFile: string };
}

const USAGE = `usage: tessera ssh [options] [user@]host [--] [command ...]

  -p PORT                 the server's port (default 22)
  -l USER                 the user name (the first of -l, -o User, user@ given counts; else yours)
  -i FILE                 an OpenSSH private key file (repeatable; passphrases are asked for)
  -t / -T                 request / disable a pseudo-terminal (default: one when interactive); -tt forces
                          one even when stdin is not a terminal
  -n                      do not read stdin: the command sees its end at once (for use in scripts and loops;
                          no password or passphrase can be asked then)
  -v                      print the protocol steps and negotiated algorithms
  -q                      quiet: no warnings or error messages (prompts still shown; -o LogLevel=ERROR keeps errors)
  -e CHAR|^X|none         the escape character of a pty session (default ~): after a newline, ~. ends the
                          connection, ~? lists the escapes, ~~ sends a ~; none makes the session transparent
  -c CIPHERS / -m MACS    as -o Ciphers= / -o MACs=
  -4 / -6                 connect over IPv4 / IPv6 only (-o AddressFamily=inet|inet6|any)
  -F FILE|none            the ssh_config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none:
                          no file). Files are read as ssh(1) reads them (Host, Match, Include); keywords
                          Tessera does not do (ProxyJump, forwarding...) are refused naming file and line
  -G                      print the settings resolved from the command line and the files, as ssh -G, and exit
  -o Option=value         KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms, RekeyLimit, HostName, Port, User,
                          IdentityFile, UserKnownHostsFile, StrictHostKeyChecking (yes|accept-new),
                          BatchMode, ConnectTimeout, EscapeChar, ServerAliveInterval, ServerAliveCountMax,
                          LogLevel, RequestTTY, StdinNull, SetEnv, SendEnv, PubkeyAuthentication,
                          PasswordAuthentication, KbdInteractiveAuthentication, PreferredAuthentications,
                          IdentitiesOnly=yes, GlobalKnownHostsFile=none, AddressFamily — as ssh_config(5)
                          spells them; the first value given for each wins, as in ssh(1), and algorithm lists
                          take its +, - and ^ forms
  --relay ws[s]://HOST/   reach the server through a Tessera relay instead of direct TCP
  --known-hosts FILE      known_hosts to check and record (default ~/.ssh/known_hosts)
  --accept-new            trust and record an unknown host key (a changed key is always refused)
  --card usb|sim:PROFILE  sign in with a smart card: the first USB CCID reader, or a simulated PIV card;
                          --card sim-openpgp:PROFILE: a simulated OpenPGP card
  --card-ca FILE          CA certificates the card's certificate must chain to (repeatable)
  --card-cert FILE|URL    an OpenSSH user certificate for the card's key (a file or an http(s) URL)
  --host-ca FILE          CAs trusted for X.509 host certificates, RFC 6187 (repeatable)
  --profile NAME          take host, port, user, card, CAs, certificate, auth order and policy from a profile;
                          options given here override it (without a destination, put the command after --)
  --profiles FILE         the profiles file, YAML or JSON (default $XDG_CONFIG_HOME/tessera/profiles.yaml,
                          else ~/.config/tessera/profiles.yaml)

The exit status is the remote command's; 255 when the command line is wrong, the connection or authentication
fails, or the session is ended from this side (~., SIGINT, SIGTERM, SIGHUP). A remote command killed by a signal
gives 128 + its number (ssh(1) gives 255).`;

/**
 * Parses the command line (a subset of OpenSSH's ssh(1), same spellings), then reads ssh_config files: those of -F,
 * else `files` (the command passes defaultConfigSources(); the default here, none, keeps callers in tests hermetic).
 */
export function parseSshArgs(args: readonly string[], files: readonly ConfigSource[] = []): SshArgs {
  const out: SshArgs = {
    user: '', host: '', port: 22, identities: [], relay: undefined,
    knownHostsFile: join(homedir(), '.ssh', 'known_hosts'), strictHostKeyChecking: 'yes',
    kex: undefined, ciphers: undefined, macs: undefined, hostKeyAlgorithms: undefined, rekeyAfterBytes: undefined, rekeyAfterMs: undefined,
    connectTimeoutMs: 15_000, serverAliveIntervalMs: 0, serverAliveCountMax: 3, batchMode: false, pty: 'auto', addressFamily: undefined, setEnv: [], sendEnv: [], auth: { publickey: true, password: true, keyboardInteractive: true }, stdinNull: false, verbose: false, logLevel: 'info', escapeChar: 0x7e, command: undefined,
  };
  /** -e wins over -o EscapeChar whatever their order, as in ssh(1); the first EscapeChar counts (ssh_config(5)). */
  let escapeFlag: EscapeChar | undefined;
  // Settings already obtained (cli/ssh-options.ts first): a profile does not override them either.
  const state: OptionState = { out, seen: new Set(), user: undefined, escapeOption: undefined, logOption: undefined, hostName: undefined, knownHostsFile: undefined };
  /** -q or -v, the last one given; either overrides -o LogLevel. */
  let logFlag: LogSetting | undefined;
  const once = (key: string, apply: () => void) => first(state, key, apply);
  let destination: string | undefined;
  let profileName: string | undefined;
  let profilesFile: string | undefined;
  let cardCert: string | undefined;
  let configFile: string | undefined;
  let print = false;
  const rest: string[] = [];
  // ssh(1) reads its options with getopt(3): grouped flags (-vT) and attached values (-p2222, -oPort=22) are split
  // here into the separate forms handled below.
  const argv = [...args];
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (destination !== undefined && !a.startsWith('-')) { rest.push(...argv.slice(i)); break; }
    if (/^-[^-]./.test(a)) { argv.splice(i, 1, ...splitShortOptions(a)); i--; continue; }
    switch (a) {
      case '--': rest.push(...argv.slice(i + 1)); i = argv.length; break;
      case '-h': case '--help': throw new HelpRequested(USAGE);
      case '-p': { const port = parsePort(value(i, a)); once('port', () => { out.port = port; }); i++; break; }
      case '-l': { const user = value(i, a); once('user', () => { state.user = user; }); i++; break; }
      case '-i': out.identities.push(value(i, a)); i++; break; // ~ and %tokens: expanded at the end, as ssh.c
      case '-o': applyOption(state, value(i, a)); i++; break;
      // ssh(1): -t asks for a pty only when stdin is a terminal; -tt forces one even without.
      // Exactly as ssh.c: a -t after a yes makes it force, after anything else yes (-ttt is yes again).
      case '-t': out.pty = out.pty === 'request' ? 'force' : 'request'; state.seen.add('pty'); break;
      case '-T': out.pty = 'never'; state.seen.add('pty'); break;
      case '-n': out.stdinNull = true; state.seen.add('stdinNull'); break;
      // As ssh.c: -c and -m replace the list (the last one counts), -4 and -6 the address family.
      case '-c': out.ciphers = value(i, a); state.seen.add('ciphers'); i++; break;
      case '-m': out.macs = value(i, a); state.seen.add('macs'); i++; break;
      case '-4': out.addressFamily = 4; state.seen.add('addressFamily'); break;
      case '-6': out.addressFamily = 6; state.seen.add('addressFamily'); break;
      // Tessera never forwards X11 or an agent and has no GSSAPI: the flags that turn those off hold already.
      case '-x': case '-a': case '-k': break;
      // The last -F counts (ssh.c); "none" reads no file.
      case '-F': configFile = value(i, a); i++; break;
      case '-G': print = true; break;
      case '-v': logFlag = { level: 'info', verbose: true }; break;
      case '-q': logFlag = { level: 'quiet', verbose: false }; break;
      case '-e': {
        const c = parseEscapeChar(value(i, a));
        if (c === undefined) throw new UsageError(`Bad escape character '${value(i, a)}' for -e: one character, ^X for a control character, or none`);
        escapeFlag = c;
        i++;
        break;
      }
      case '--relay': out.relay = value(i, a); i++; break;
      case '--known-hosts': { const file = expandHome(value(i, a), '--known-hosts'); once('knownHosts', () => { out.knownHostsFile = file; }); i++; break; }
      case '--accept-new': once('strictHostKeyChecking', () => { out.strictHostKeyChecking = 'accept-new'; }); break;
      case '--card': out.card = { spec: value(i, a), caFiles: out.card?.caFiles ?? [] }; i++; break;
      case '--card-ca': out.card = { spec: out.card?.spec ?? '', caFiles: [...(out.card?.caFiles ?? []), value(i, a)] }; state.seen.add('cardCa'); i++; break;
      case '--card-cert': cardCert = value(i, a); i++; break;
      case '--host-ca': out.hostCaFiles = [...(out.hostCaFiles ?? []), value(i, a)]; state.seen.add('hostCa'); i++; break;
      case '--profile': profileName = value(i, a); i++; break;
      case '--profiles': profilesFile = value(i, a); i++; break;
      default: {
        if (a.startsWith('-')) throw new UsageError(UNSUPPORTED[a.slice(1)] !== undefined ? `${a} (${UNSUPPORTED[a.slice(1)]}) is not supported by tessera ssh` : `unknown option ${a}`);
        // user@host, or ssh://[user@]host[:port] (ssh(1)); its user and port count where they stand (first wins).
        const d = parseDestination(a);
        destination = d.host;
        if (d.user !== undefined) once('user', () => { state.user = d.user; });
        if (d.port !== undefined) once('port', () => { out.port = d.port!; });
      }
    }
  }
  if (profilesFile !== undefined && profileName === undefined) throw new UsageError('--profiles FILE needs --profile NAME');
  const profile = profileName !== undefined ? loadProfile(profilesFile ?? defaultProfilesFile(), profileName) : undefined;
  if (destination === undefined) {
    if (profile?.host === undefined) throw new UsageError(profile ? `the profile '${profileName}' has no host: give a destination.` : USAGE);
    destination = profile.host;
  }
  if (profile) applyProfile(out, profile, state.seen);
  // A profile is chosen on the command line: what it sets counts before the config files.
  if (profile?.port !== undefined) state.seen.add('port');
  if (profile?.knownHosts !== undefined) state.seen.add('knownHosts');
  if (profile?.user !== undefined) once('user', () => { state.user = profile.user; });
  if (out.addressFamily !== undefined && out.relay !== undefined) throw new UsageError('-4, -6 and AddressFamily choose how to connect directly; with --relay the relay connects');
  const given = destination.replace(/^\[(.*)\]$/, '$1');
  const sources: readonly ConfigSource[] = configFile === undefined ? files
    : configFile === 'none' ? [] : [{ path: configFile, kind: 'user', mustExist: true, checkPermissions: false }];
  applyConfigFiles(sources, state, given);
  // A config file's AddressFamily (often under Host *) is about direct connections: with --relay the relay connects.
  if (out.relay !== undefined) out.addressFamily = undefined;
  if (cardCert !== undefined) out.card = { spec: out.card?.spec ?? '', caFiles: out.card?.caFiles ?? [], ...out.card, certificate: cardCert };
  out.host = resolvedHostName(state, given);
  out.user = state.user ?? userInfo().username;
  // ssh.c expands ~, ${VAR} and %tokens in these once host, port and user are settled.
  const tokens = { host: out.host, originalHost: given, port: out.port, remoteUser: out.user };
  const identityFiles = out.identities;
  out.identities = identityFiles.map((f) => expandPath(f, tokens, 'IdentityFile'));
  // "none": no known_hosts file at all (ssh_config(5)); read as the empty /dev/null, never as a file named none.
  if (state.knownHostsFile !== undefined) out.knownHostsFile = state.knownHostsFile === 'none' ? '/dev/null' : expandPath(state.knownHostsFile, tokens, 'UserKnownHostsFile');
  if (print) out.printConfig = { originalHost: given, identityFiles, knownHostsFile: state.knownHostsFile === 'none' ? 'none' : out.knownHostsFile };
  out.escapeChar = escapeFlag ?? state.escapeOption ?? out.escapeChar;
  const log = logFlag ?? state.logOption;
  if (log) { out.logLevel = log.level; out.verbose = log.verbose; }
  if (rest.length > 0) out.command = rest.join(' ');
  return out;
}

/** "user@host" (the last @ separates the user) or ssh(1)'s "ssh://[user@]host[:port]" (RFC 3986 authority). */
function parseDestination(a: string): { host: string; user?: string; port?: number } {
  if (a.startsWith('ssh://')) {
    const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/@[\]]+)(?::(\d+))?\/?$/.exec(a);
    if (!m) throw new UsageError(`'${a}' is not a destination like ssh://user@host:port`);
    return { host: m[2]!, ...(m[1] ? { user: decodeURIComponent(m[1]) } : {}), ...(m[3] ? { port: parsePort(m[3]) } : {}) };
  }
  const at = a.lastIndexOf('@');
  return at >= 0 ? { host: a.slice(at + 1), user: a.slice(0, at) } : { host: a };
}

/** Letters that take a value, and letters that are flags (a subset of ssh(1)'s getopt string). */
const VALUE_LETTERS = 'plioeFcm';
const FLAG_LETTERS = 'tTvqnh46xakG';

/** ssh(1) 9.2's options that tessera ssh does not have, with what they do (named in the refusal). */
const UNSUPPORTED: Record<string, string> = {
  L: 'local port forwarding', R: 'remote port forwarding', D: 'dynamic port forwarding', N: 'no command, for forwarding',
  W: 'stdio forwarding', J: 'ProxyJump', A: 'agent forwarding', X: 'X11 forwarding', Y: 'trusted X11 forwarding',
  f: 'going to the background', C: 'compression', M: 'connection sharing', S: 'connection sharing', O: 'connection sharing',
  Q: 'queries', s: 'subsystems', w: 'tunnel forwarding', K: 'GSSAPI', I: 'PKCS#11 (use --card)',
  B: 'binding to an interface', b: 'binding to an address', E: 'a log file', y: 'logging to syslog', g: 'remote hosts on forwarded ports',
  V: 'the version', P: 'a tag for ssh_config',
};

/** "-vTp2222" as getopt(3) reads it: ["-v", "-T", "-p", "2222"]. */
function splitShortOptions(group: string): string[] {
  const out: string[] = [];
  for (let j = 1; j < group.length; j++) {
    const letter = group[j]!;
    if (VALUE_LETTERS.includes(letter)) {
      out.push(`-${letter}`);
      if (j + 1 < group.length) out.push(group.slice(j + 1));
      return out;
    }
    if (UNSUPPORTED[letter] !== undefined) throw new UsageError(`-${letter} (${UNSUPPORTED[letter]}) is not supported by tessera ssh`);
    if (!FLAG_LETTERS.includes(letter)) throw new UsageError(`unknown option -${letter}`);
    out.push(`-${letter}`);
  }
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

export const command: Command = {
  // ssh(1) exits 255 on a usage error as on any failure of its own, so 0-254 are always the remote command's.
  usageExitCode: 255,
  async run(args) {
    const a = parseSshArgs(args, defaultConfigSources());
    if (a.printConfig) { process.stdout.write(printConfig(a)); return 0; }
    raiseMallocTrimThreshold(); // fewer page faults per packet buffer (cli/malloc-trim.ts)
    // Connect first, as ssh(1) does: the server forks and sends its version while the SSH modules, keys and
    // known_hosts load (bench/ssh/handshake.ts). Not with a card: its PIN prompt may take longer than the server waits.
    const open = () => (a.relay ? connectRelay(a.relay, a.host, a.port, { timeoutMs: a.connectTimeoutMs }) : connectTcp(a.host, a.port, { timeoutMs: a.connectTimeoutMs, ...(a.addressFamily ? { family: a.addressFamily } : {}) }));
    const early = a.card ? undefined : open();
    early?.catch(() => undefined); // awaited in runSsh; an early failure must not go unhandled meanwhile
    try {
      const { runSsh } = await import('./ssh-session.ts');
      return await runSsh(a, open, early);
    } finally {
      early?.then((s) => s.destroy(), () => undefined);
    }
  },
};
