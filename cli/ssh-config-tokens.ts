// ssh_config(5) TOKENS and ENVIRONMENT VARIABLES as OpenSSH 9.2 expands them in IdentityFile and UserKnownHostsFile
// (ssh.c: tilde_expand_filename, then default_client_percent_dollar_expand), and %h in HostName.
import { createHash } from 'node:crypto';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './command.ts';

/** What the tokens stand for once the connection's host, port and user are settled. */
export interface TokenValues {
  /** %h: the host name connected to (after HostName); %n: the name given on the command line. */
  readonly host: string;
  readonly originalHost: string;
  readonly port: number;
  /** %r: the remote user. */
  readonly remoteUser: string;
}

/** misc.c percent_expand over `values`; an unknown %x or a lone % is refused, as ssh(1) refuses it. */
export function percentExpand(text: string, values: Readonly<Record<string, string>>, what: string): string {
  return text.replace(/%(.?)/gs, (all, c: string) => {
    if (c === '%') return '%';
    const v = values[c];
    if (v === undefined) throw new UsageError(`${what} '${text}': unknown token ${all === '%' ? '% at the end' : all}`);
    return v;
  });
}

/** misc.c dollar_expand: ${NAME} is the environment variable; an unset one is an error (as ssh(1)). */
function dollarExpand(text: string, what: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const v = process.env[name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || v === undefined) throw new UsageError(`${what} '${text}': environment variable \${${name}} is not set`);
    return v;
  });
}

/** "~" and "~/..." (misc.c tilde_expand); ~user is refused. */
export function expandHome(path: string, what: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  if (path.startsWith('~')) throw new UsageError(`${what} '${path}': only ~ and ~/ are expanded`);
  return path;
}

/** The DEFAULT_CLIENT_PERCENT_EXPAND_ARGS of ssh.c 9.2 (%C %L %i %k %l %n %p %d %h %r %u). */
export function clientTokens(t: TokenValues): Record<string, string> {
  const local = hostname();
  const port = String(t.port);
  return {
    // %C: SHA-1 of %l%h%p%r in hex (ssh.c ssh_connection_hash, 9.2: no jump host yet).
    C: createHash('sha1').update(`${local}${t.host}${port}${t.remoteUser}`).digest('hex'),
    L: local.split('.')[0] ?? local, l: local, i: String(process.getuid?.() ?? 0),
    k: t.originalHost, // HostKeyAlias (refused: cli/ssh-config-keywords.ts), else the name given (ssh.c 9.2)
    n: t.originalHost, p: port, d: homedir(), h: t.host, r: t.remoteUser, u: userInfo().username,
  };
}

/** A file name from IdentityFile or UserKnownHostsFile: ~, then ${VARIABLES}, then %tokens (misc.c vdollar_percent_expand). */
export function expandPath(path: string, t: TokenValues, what: string): string {
  return percentExpand(dollarExpand(expandHome(path, what), what), clientTokens(t), what);
}
