// `tessera ssh -o Option=value`: the ssh_config(5) keywords Tessera honours, read as ssh(1) 9.2 reads them. For each
// option the first value obtained is used (ssh_config(5): "the first obtained value will be used"; the same holds for
// -p, -l and user@ on the command line); IdentityFile adds up. A keyword Tessera does not honour, or a value it cannot
// use, is a usage error: nothing given is ignored in silence. ssh_config files (cli/ssh-config.ts) go through the same
// keywords, after the command line.
import { matches } from './algorithm-list.ts';
import { UsageError } from './command.ts';
import { parseEscapeChar, type EscapeChar } from './escape-filter.ts';
import { checkUnhonoured, isUnhonouredKeyword, STRUCTURE } from './ssh-config-keywords.ts';
import { argvSplit, ConfigSyntaxError, splitKeyword } from './ssh-config-lexer.ts';
import type { SshArgs } from './ssh.ts';

/** What -o may set before the destination and the flags are settled (cli/ssh.ts parseSshArgs). */
export interface OptionState {
  readonly out: SshArgs;
  /** Settings already obtained: later values of these are checked, then dropped. */
  readonly seen: Set<string>;
  user: string | undefined;
  escapeOption: EscapeChar | undefined;
  /** The first -o LogLevel; -q and -v override it whatever their order, as in ssh(1). */
  logOption: LogSetting | undefined;
  /** HostName and UserKnownHostsFile as given: their %tokens are expanded once all is read (cli/ssh-config-tokens.ts). */
  hostName: string | undefined;
  knownHostsFile: string | undefined;
}

/** What ssh(1)'s LogLevel means here: quiet (nothing), error (errors only), info (default), or debug (-v). */
export interface LogSetting { level: 'quiet' | 'error' | 'info'; verbose: boolean }

/** ssh_config(5) LogLevel values. */
function logLevel(v: string): LogSetting {
  switch (v.toUpperCase()) {
    case 'QUIET': case 'FATAL': return { level: 'quiet', verbose: false };
    case 'ERROR': return { level: 'error', verbose: false };
    case 'INFO': return { level: 'info', verbose: false };
    case 'VERBOSE': case 'DEBUG': case 'DEBUG1': case 'DEBUG2': case 'DEBUG3': return { level: 'info', verbose: true };
    default: throw new UsageError(`LogLevel may be QUIET, FATAL, ERROR, INFO, VERBOSE or DEBUG1-3, not '${v}'`);
  }
}

/** Runs `apply` unless `key` was set already (the first obtained value wins). */
export function first(state: Pick<OptionState, 'seen'>, key: string, apply: () => void): void {
  if (state.seen.has(key)) return;
  state.seen.add(key);
  apply();
}

/** ssh_config(5) yes/no (true/false as ssh(1) takes them too). */
function yesNo(option: string, v: string): boolean {
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new UsageError(`${option} may be yes or no, not '${v}'`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds, as ssh_config(5) "TIME FORMATS" spells them (10, 90s, 1m30s); zero only where it means "off". */
export function parseTime(v: string, option: string, zero = false): number {
  const parts = /^(?:\d+[smhdw]?)+$/i.test(v) ? [...v.matchAll(/(\d+)([smhdw]?)/gi)] : [];
  const seconds = parts.reduce((sum, [, n = '', unit = '']) => sum + Number(n) * TIME_UNITS[unit.toLowerCase()]!, 0);
  if (parts.length === 0 || !(seconds > 0 || (zero && seconds === 0))) throw new UsageError(`${option} '${v}' is not a time in seconds like 10 or 1m30s`);
  return seconds;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new UsageError(`'${v}' is not a port number`);
  return n;
}

/** ssh_config(5) RekeyLimit: a size (K, M, G; or "default"), then optionally a time (or "none"). */
function rekeyLimit(v: string): { bytes: number | undefined; ms: number | undefined } {
  const [size = '', time, extra] = v.split(/\s+/);
  const r = /^(\d+)([KMG]?)$/i.exec(size);
  if ((!r && size !== 'default') || extra !== undefined) throw new UsageError(`RekeyLimit '${v}' is not a size like 1G or 512M, optionally followed by a time like 1h`);
  const bytes = r ? Number(r[1]) * (SIZE_UNITS[(r[2] ?? '').toUpperCase()] ?? 1) : undefined;
  const ms = time === undefined || time === 'none' ? undefined : parseTime(time, 'RekeyLimit', false) * 1000;
  return { bytes, ms };
}

/** Applies one -o Option=value (or "Option value"), split as a config line is (cli/ssh-config-lexer.ts). */
export function applyOption(state: OptionState, kv: string): void {
  let line: ReturnType<typeof splitKeyword>;
  let args: string[];
  try {
    line = splitKeyword(kv);
    args = line ? argvSplit(line.rest) : [];
  } catch (err) {
    if (err instanceof ConfigSyntaxError) throw new UsageError(`-o '${kv}': ${err.message}`);
    throw err;
  }
  if (!line || args.length === 0) throw new UsageError(`-o expects Option=value, not '${kv}'`);
  const key = line.keyword.toLowerCase();
  if (STRUCTURE.has(key)) throw new UsageError(`-o ${line.keyword}: only in a config file (-F)`);
  applyKeyword(state, line.keyword, args, false);
}

/** Settings whose first value wins (OptionState.seen) by keyword; IdentityFile, SendEnv add up. */
const SLOTS: Record<string, string> = {
  kexalgorithms: 'kex', ciphers: 'ciphers', macs: 'macs', hostkeyalgorithms: 'hostKeyAlgorithms', userknownhostsfile: 'knownHosts',
  port: 'port', user: 'user', hostname: 'hostName', requesttty: 'pty', stdinnull: 'stdinNull', setenv: 'setEnv',
  pubkeyauthentication: 'pubkey', passwordauthentication: 'password', kbdinteractiveauthentication: 'kbdInteractive',
  challengeresponseauthentication: 'kbdInteractive', preferredauthentications: 'preferred', addressfamily: 'addressFamily',
  batchmode: 'batchMode', connecttimeout: 'connectTimeout', serveraliveinterval: 'serverAliveInterval',
  serveralivecountmax: 'serverAliveCountMax', stricthostkeychecking: 'strictHostKeyChecking', rekeylimit: 'rekeyLimit',
};

/** Whether OpenSSH 9.2 knows `keyword` (lower case) as a client setting (not Host, Match, Include, IgnoreUnknown). */
export function isKnownKeyword(keyword: string): boolean {
  return keyword in SLOTS || HONOURED_EXTRA.has(keyword) || isUnhonouredKeyword(keyword);
}
const HONOURED_EXTRA = new Set(['identityfile', 'escapechar', 'loglevel', 'sendenv', 'globalknownhostsfile', 'identitiesonly']);

/**
 * Applies one keyword with its arguments (split already). From a file (`fromFile`), a setting obtained before is
 * skipped unread, as its value could not count: `Host *` lines after a host's own are the usual case, and a value
 * there that Tessera cannot use (StrictHostKeyChecking no) must not stop a connection it would not apply to.
 */
export function applyKeyword(state: OptionState, keyword: string, args: readonly string[], fromFile: boolean): void {
  const key = keyword.toLowerCase();
  if (fromFile) {
    const slot = SLOTS[key];
    if (slot !== undefined && state.seen.has(slot)) return;
    if ((key === 'escapechar' && state.escapeOption !== undefined) || (key === 'loglevel' && state.logOption !== undefined)) return;
  }
  /** The one argument of a single-valued keyword (readconf.c: "extra arguments at end of line"). */
  const one = (): string => {
    if (args.length !== 1) throw new UsageError(`${keyword} takes one argument, not ${args.length} (${args.join(' ')})`);
    return args[0]!;
  };
  const { out } = state;
  const set = (name: string, apply: () => void) => first(state, name, apply);
  switch (key) {
    // Lists stay as given: '+', '-' and '^' are resolved against Tessera's defaults when the session starts
    // (cli/algorithm-list.ts), and unknown names refused there.
    case 'kexalgorithms': { const v = one(); set('kex', () => { out.kex = v; }); break; }
    case 'ciphers': { const v = one(); set('ciphers', () => { out.ciphers = v; }); break; }
    case 'macs': { const v = one(); set('macs', () => { out.macs = v; }); break; }
    case 'hostkeyalgorithms': { const v = one(); set('hostKeyAlgorithms', () => { out.hostKeyAlgorithms = v; }); break; }
    case 'userknownhostsfile': {
      // ssh(1) takes several files here; Tessera reads and writes one. ~ and %tokens: expanded at the end.
      if (args.length !== 1) throw new UsageError(`UserKnownHostsFile '${args.join(' ')}': Tessera takes one known_hosts file`);
      const v = args[0]!;
      set('knownHosts', () => { state.knownHostsFile = v; });
      break;
    }
    case 'hostname': {
      // The host to connect to; %h is the name given (ssh_config(5) HostName). Expanded in cli/ssh.ts.
      const v = one();
      if (v.startsWith('-') || /[\s\p{Cc}]/u.test(v)) throw new UsageError(`HostName '${v}' is not a host name`);
      set('hostName', () => { state.hostName = v; });
      break;
    }
    case 'port': { const port = parsePort(one()); set('port', () => { out.port = port; }); break; }
    case 'user': { const v = one(); set('user', () => { state.user = v; }); break; }
    case 'identityfile': out.identities.push(one()); break; // ~ and %tokens: expanded at the end (cli/ssh.ts)
    case 'escapechar': {
      const v = one();
      const c = parseEscapeChar(v);
      if (c === undefined) throw new UsageError(`Bad escape character '${v}' for EscapeChar: one character, ^X for a control character, or none`);
      state.escapeOption ??= c;
      break;
    }
    case 'loglevel': { const l = logLevel(one()); state.logOption ??= l; break; }
    case 'requesttty': {
      const v = one();
      const modes: Record<string, SshArgs['pty']> = { yes: 'request', true: 'request', no: 'never', false: 'never', force: 'force', auto: 'auto' };
      const mode = modes[v];
      if (!mode) throw new UsageError(`RequestTTY may be yes, no, force or auto, not '${v}'`);
      set('pty', () => { out.pty = mode; });
      break;
    }
    case 'stdinnull': { const b = yesNo('StdinNull', one()); set('stdinNull', () => { out.stdinNull = b; }); break; }
    // RFC 4254 §6.4 "env" requests; the server takes only what its AcceptEnv allows (sshd says nothing of the rest).
    case 'setenv': {
      const pairs = args.map((w): [string, string] => {
        const eq = w.indexOf('=');
        if (eq <= 0) throw new UsageError(`SetEnv '${w}' is not NAME=VALUE`);
        return [w.slice(0, eq), w.slice(eq + 1)];
      });
      set('setEnv', () => { out.setEnv = pairs; }); // the first SetEnv counts whole (ssh -G shows the same)
      break;
    }
    case 'sendenv':
      for (const w of args) {
        // "-PATTERN" takes back what earlier SendEnv patterns it matches (ssh_config(5)).
        if (w.startsWith('-')) out.sendEnv = out.sendEnv.filter((p) => !matches(w.slice(1), p));
        else out.sendEnv.push(w);
      }
      break;
    // Tessera reads no global known_hosts, and uses no ssh-agent: the values that say so are accepted (scripts
    // written for ssh(1) pass them), any other is refused.
    case 'globalknownhostsfile': {
      const v = args.join(' ');
      if (v !== 'none' && v !== '/dev/null') throw new UsageError(`GlobalKnownHostsFile '${v}': Tessera reads no global known_hosts file; give it with --known-hosts (or UserKnownHostsFile)`);
      break;
    }
    case 'identitiesonly':
      if (!yesNo('IdentitiesOnly', one())) throw new UsageError('IdentitiesOnly=no: Tessera uses no ssh-agent; only identity files (or a card) sign in');
      break;
    case 'pubkeyauthentication': {
      // 9.2 also takes unbound and host-bound (publickey-hostbound-v00@openssh.com, which Tessera does not send).
      const v = one();
      const on = v === 'unbound' || v === 'host-bound' ? true : yesNo('PubkeyAuthentication', v);
      set('pubkey', () => { out.auth.publickey = on; });
      break;
    }
    case 'passwordauthentication': { const on = yesNo('PasswordAuthentication', one()); set('password', () => { out.auth.password = on; }); break; }
    // ChallengeResponseAuthentication is 9.2's other name for it (readconf.c).
    case 'kbdinteractiveauthentication': case 'challengeresponseauthentication': {
      const on = yesNo(keyword, one());
      set('kbdInteractive', () => { out.auth.keyboardInteractive = on; });
      break;
    }
    case 'preferredauthentications': {
      // Methods Tessera does not have (hostbased, gssapi-with-mic) are skipped, as ssh(1) skips methods it cannot use.
      const known = ['publickey', 'keyboard-interactive', 'password', 'hostbased', 'gssapi-with-mic'];
      const order = one().split(',').map((m) => m.trim());
      const bad = order.find((m) => !known.includes(m));
      if (bad !== undefined) throw new UsageError(`PreferredAuthentications: unknown method '${bad}'`);
      set('preferred', () => { out.auth.preferred = order; });
      break;
    }
    case 'addressfamily': {
      const v = one();
      const families: Record<string, 4 | 6 | undefined> = { any: undefined, inet: 4, inet6: 6 };
      if (!(v in families)) throw new UsageError(`AddressFamily may be any, inet or inet6, not '${v}'`);
      set('addressFamily', () => { out.addressFamily = families[v]; });
      break;
    }
    case 'batchmode': { const b = yesNo('BatchMode', one()); set('batchMode', () => { out.batchMode = b; }); break; }
    case 'connecttimeout': { const s = parseTime(one(), 'ConnectTimeout'); set('connectTimeout', () => { out.connectTimeoutMs = s * 1000; }); break; }
    case 'serveraliveinterval': { const s = parseTime(one(), 'ServerAliveInterval', true); set('serverAliveInterval', () => { out.serverAliveIntervalMs = s * 1000; }); break; }
    case 'serveralivecountmax': {
      const v = one();
      if (!/^\d{1,6}$/.test(v)) throw new UsageError(`ServerAliveCountMax '${v}' is not a count like 3`);
      set('serverAliveCountMax', () => { out.serverAliveCountMax = Number(v); });
      break;
    }
    case 'stricthostkeychecking': {
      const v = one();
      const mode = v === 'yes' || v === 'true' ? 'yes' : v === 'accept-new' ? 'accept-new' : undefined;
      if (!mode) throw new UsageError(`StrictHostKeyChecking may be yes or accept-new, not '${v}' (Tessera never connects to an unverified host)`);
      set('strictHostKeyChecking', () => { out.strictHostKeyChecking = mode; });
      break;
    }
    case 'rekeylimit': {
      if (args.length > 2) throw new UsageError(`RekeyLimit takes a size and a time, not '${args.join(' ')}'`);
      const { bytes, ms } = rekeyLimit(args.join(' '));
      set('rekeyLimit', () => { out.rekeyAfterBytes = bytes; out.rekeyAfterMs = ms; });
      break;
    }
    default:
      if (!isUnhonouredKeyword(key)) throw new UsageError(fromFile ? `Bad configuration option: ${keyword}` : `unsupported option -o ${keyword}`);
      checkUnhonoured(key, keyword, args);
  }
}

/** SendEnv (local variables whose names match) then SetEnv, in the order ssh(1) sends them (clientloop.c). */
export function sessionEnv(a: SshArgs): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && a.sendEnv.some((p) => matches(p, name))) env[name] = value;
  }
  for (const [name, value] of a.setEnv) env[name] = value;
  return env;
}
