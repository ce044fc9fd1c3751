// ssh_config(5) files for `tessera ssh`, read as OpenSSH 9.2's ssh(1) reads them (readconf.c read_config_file_depth):
// -F FILE, else ~/.ssh/config then /etc/ssh/ssh_config; Host and Match blocks; Include (globs, relative to ~/.ssh or
// /etc/ssh, at most 16 deep); keywords case-insensitive, "Key value" or "Key=value", quotes, comments. Values go
// through the same keywords as -o (cli/ssh-options.ts applyKeyword), after the command line: the first value obtained
// wins. A line Tessera cannot honour is an error naming the file and line, never skipped in silence.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from './command.ts';
import { isUnhonouredKeyword, STRUCTURE } from './ssh-config-keywords.ts';
import { argvSplit, ConfigSyntaxError, splitKeyword } from './ssh-config-lexer.ts';
import { evaluateMatch, hostLineMatches, patternListMatches, type MatchContext } from './ssh-config-match.ts';
import { expandHome, percentExpand } from './ssh-config-tokens.ts';
import { applyKeyword, isKnownKeyword, type OptionState } from './ssh-options.ts';

/** Stable reasons of an SshConfigError. */
export type SshConfigErrorReason =
  | 'BAD_OPTION' // a keyword OpenSSH 9.2 does not know ("Bad configuration option")
  | 'BAD_VALUE' // a value ssh(1) or Tessera cannot use
  | 'UNSUPPORTED' // a keyword or Match criterion Tessera does not implement (ProxyJump, Match exec...)
  | 'SYNTAX' // unclosed quote, missing argument, Host without patterns
  | 'INCLUDE_DEPTH' // Include nested deeper than 16 (a loop)
  | 'UNREADABLE'; // missing -F file, a directory, a file too large, bad owner or permissions

/** A config file Tessera will not use; a UsageError, so `tessera ssh` exits 255 as ssh(1) does. */
export class SshConfigError extends UsageError {
  constructor(readonly reason: SshConfigErrorReason, readonly file: string, readonly line: number | undefined, detail: string) {
    // A garbage file's bytes are shown escaped, never sent raw to the terminal.
    const text = line === undefined ? `${file}: ${detail}` : `${file} line ${line}: ${detail}`;
    super(text.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  }
}

/** One file to read: `user` files (and -F) take Include paths relative to ~/.ssh, the system file to /etc/ssh. */
export interface ConfigSource { readonly path: string; readonly kind: 'user' | 'system'; readonly mustExist: boolean; readonly checkPermissions: boolean }

/** ssh(1)'s files when no -F is given (ssh.c process_config_files); the user file's permissions are checked. */
export function defaultConfigSources(): ConfigSource[] {
  return [
    { path: join(homedir(), '.ssh', 'config'), kind: 'user', mustExist: false, checkPermissions: true },
    { path: '/etc/ssh/ssh_config', kind: 'system', mustExist: false, checkPermissions: false },
  ];
}

/** readconf.h READCONF_MAX_DEPTH. */
const MAX_DEPTH = 16;
/** Larger than any real ssh_config by far; keeps -F /dev/zero-like input from exhausting memory. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

interface Run {
  readonly state: OptionState;
  readonly host: string;
  readonly originalHost: string;
  readonly final: boolean;
  wantsFinal: boolean;
  /** IgnoreUnknown's patterns (the first obtained, as every setting). */
  ignoreUnknown: string | undefined;
}

/**
 * Applies `sources` to `state` for `destination`, in one pass, or two when a `Match final` asks for it (ssh.c: the
 * second pass sees the host name connected to, and HostName is settled by then).
 */
export function applyConfigFiles(sources: readonly ConfigSource[], state: OptionState, destination: string): void {
  const run: Run = { state, host: destination, originalHost: destination, final: false, wantsFinal: false, ignoreUnknown: undefined };
  for (const s of sources) readSource(run, s);
  if (!run.wantsFinal) return;
  const host = resolvedHostName(state, destination);
  state.hostName = host;
  state.seen.add('hostName');
  const second: Run = { ...run, host, final: true };
  for (const s of sources) readSource(second, s);
}

/** The host connected to: HostName with %h as the name given, lower case (ssh.c main), else the name given. */
export function resolvedHostName(state: Pick<OptionState, 'hostName'>, given: string): string {
  return (state.hostName !== undefined ? percentExpand(state.hostName, { h: given }, 'HostName') : given).toLowerCase();
}

function readSource(run: Run, s: ConfigSource): void {
  const text = readConfigText(s.path, s.mustExist, s.checkPermissions);
  if (text !== undefined) readText(run, s, s.path, text, 0, { active: true }, false);
}

/** The file's text; undefined when it does not exist and need not. Only regular files (and /dev/null) are read. */
function readConfigText(path: string, mustExist: boolean, checkPermissions: boolean): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return undefined;
    throw new SshConfigError('UNREADABLE', path, undefined, `cannot open it: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isCharacterDevice() && path === '/dev/null') return '';
    if (!st.isFile()) throw new SshConfigError('UNREADABLE', path, undefined, 'not a regular file');
    // readconf.c SSHCONF_CHECKPERM: someone else able to write it could redirect the connection.
    const uid = process.getuid?.();
    if (checkPermissions && uid !== undefined && ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0)) {
      throw new SshConfigError('UNREADABLE', path, undefined, 'Bad owner or permissions (writable by others)');
    }
    if (st.size > MAX_FILE_BYTES) throw new SshConfigError('UNREADABLE', path, undefined, `larger than ${MAX_FILE_BYTES} bytes`);
    // One byte more than its size: a file that grew while read is refused, never read in part.
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > st.size) throw new SshConfigError('UNREADABLE', path, undefined, 'it changed while being read');
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Whether the lines being read apply; an Include shares it, and gets it back as it was afterwards. */
interface Activity { active: boolean }

function readText(run: Run, source: ConfigSource, file: string, text: string, depth: number, activity: Activity, neverMatch: boolean): void {
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const at = (reason: SshConfigErrorReason, detail: string) => new SshConfigError(reason, file, n + 1, detail);
    let split: ReturnType<typeof splitKeyword>;
    let args: string[];
    try {
      split = splitKeyword(lines[n]!);
      if (split === undefined) continue;
      args = argvSplit(split.rest);
    } catch (err) {
      if (err instanceof ConfigSyntaxError) throw at('SYNTAX', err.message);
      throw err;
    }
    const { keyword } = split;
    const key = keyword.toLowerCase();
    if (args.length === 0) throw at('SYNTAX', `no argument after keyword "${keyword}"`);
    try {
      switch (key) {
        case 'host': activity.active = !neverMatch && hostLineMatches(run.host, args); break;
        case 'match': {
          const r = evaluateMatch(args, matchContext(run));
          if (r.wantsFinal) run.wantsFinal = true;
          activity.active = !neverMatch && r.matched;
          break;
        }
        case 'include': include(run, source, file, n + 1, args, depth, activity, neverMatch); break;
        case 'ignoreunknown': if (activity.active) run.ignoreUnknown ??= args.join(' '); break;
        default:
          if (!isKnownKeyword(key)) {
            // readconf.c: a keyword matching IgnoreUnknown is skipped; any other unknown one stops ssh(1).
            if (run.ignoreUnknown !== undefined && patternListMatches(key, run.ignoreUnknown, true)) break;
            throw at('BAD_OPTION', `Bad configuration option: ${keyword}`);
          }
          if (activity.active) applyKeyword(run.state, keyword, args, true);
      }
    } catch (err) {
      if (err instanceof SshConfigError || !(err instanceof UsageError)) throw err;
      const unsupported = isUnhonouredKeyword(key) || (key === 'match' && /not supported|Unsupported/.test(err.message));
      throw at(unsupported ? 'UNSUPPORTED' : STRUCTURE.has(key) ? 'SYNTAX' : 'BAD_VALUE', err.message);
    }
  }
}

function matchContext(run: Run): MatchContext {
  return {
    host: run.host, hostName: resolvedHostName({ hostName: run.state.hostName }, run.host), originalHost: run.originalHost,
    user: run.state.user ?? userInfo().username, localUser: userInfo().username, final: run.final,
  };
}

/** readconf.c oInclude: each argument a glob; relative ones under ~/.ssh (user files) or /etc/ssh (system file). */
function include(run: Run, source: ConfigSource, file: string, line: number, args: readonly string[], depth: number, activity: Activity, neverMatch: boolean): void {
  if (depth + 1 > MAX_DEPTH) throw new SshConfigError('INCLUDE_DEPTH', file, line, `Too many recursive configuration includes (more than ${MAX_DEPTH}: an Include loop?)`);
  for (const arg of args) {
    if (arg.startsWith('~') && source.kind === 'system') throw new SshConfigError('SYNTAX', file, line, 'Include: ~ is not expanded in the system file');
    const path = expandHome(arg, 'Include');
    const pattern = isAbsolute(path) ? path : join(source.kind === 'user' ? join(homedir(), '.ssh') : '/etc/ssh', path);
    for (const match of glob(pattern)) {
      // ssh(1) reads a directory as an empty file; a glob like config.d/* may well match one.
      if (statSync(match, { throwIfNoEntry: false })?.isDirectory()) continue;
      const text = readConfigText(match, false, true);
      if (text === undefined) continue;
      const was = activity.active;
      readText(run, source, match, text, depth + 1, activity, neverMatch || !was);
      activity.active = was;
    }
  }
}

/** glob(3) for * and ? in any path component (no [...] classes); sorted; a leading dot is matched only by a dot. */
function glob(pattern: string): string[] {
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?]/.test(part)) { found = found.map((d) => join(d, part)); continue; }
    const re = new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    found = found.flatMap((d) => {
      let names: string[];
      try { names = readdirSync(d); } catch { return []; }
      return names.filter((n) => re.test(n) && (!n.startsWith('.') || part.startsWith('.'))).map((n) => join(d, n));
    });
  }
  return found.filter((p) => statSync(p, { throwIfNoEntry: false }) !== undefined && p !== dirname(p)).sort();
}
