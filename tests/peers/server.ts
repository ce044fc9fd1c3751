// What every real SSH server launcher returns: where it listens, its host keys, and its log.
import type { Peer } from '../support/index.ts';
import type { KeyPair } from './keys.ts';

export type ServerKind = 'openssh' | 'dropbear' | 'asyncssh';

export interface HostKeyFile {
  readonly key: KeyPair;
  /** The host certificate signed by the server's temporary host CA, when made. */
  readonly certificate: { readonly path: string; readonly line: string } | undefined;
}

export interface SshServerPeer {
  readonly kind: ServerKind;
  /** e.g. "9.2", "10.0", "2022.83", "2.10.1". */
  readonly version: string;
  readonly host: string;
  /**
   * Dropbear and AsyncSSH bind port 0: theirs is in the ephemeral range, so once stopped the port must not be used
   * again (no restart on it, no "refused" check: a connect retried to it can meet itself, TCP simultaneous open).
   * sshd's comes from freePort, below that range.
   */
  readonly port: number;
  readonly pid: number;
  /** The account tests log in as, and its (test-only) password. */
  readonly user: string;
  readonly password: string;
  readonly hostKeys: readonly HostKeyFile[];
  /** The temporary CA that signed the host certificates, when there are any. */
  readonly hostCa: KeyPair | undefined;
  /** Replaces the public keys the server accepts for `user` (read again on each connection). */
  setAuthorizedKeys(lines: readonly string[]): void;
  /** known_hosts text trusting every host key of this server ("[host]:port algo base64"). */
  knownHosts(): string;
  /** A known_hosts line "@cert-authority <pattern> <CA key>" for the host CA. */
  certAuthorityLine(pattern?: string): string;
  /** Everything the server logged so far. */
  log(): string;
  /** Resolves when `pattern` appears in the server's log. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Stops the server by its process id and removes its temporary files. */
  stop(): Promise<void>;
}

/** "[host]:port" as OpenSSH writes known_hosts names for ports other than 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function knownHostsFor(host: string, port: number, keys: readonly HostKeyFile[]): string {
  const name = knownHostsName(host, port);
  return keys.map(({ key }) => {
    const [algo, b64] = key.publicLine.split(/\s+/);
    return `${name} ${algo} ${b64}\n`;
  }).join('');
}

export function certAuthorityLineFor(ca: KeyPair | undefined, pattern: string): string {
  if (!ca) throw new Error('this server has no host CA (start it with hostCertificates: true)');
  const [algo, b64] = ca.publicLine.split(/\s+/);
  return `@cert-authority ${pattern} ${algo} ${b64}\n`;
}

export interface ServerHandleParts {
  readonly kind: ServerKind;
  readonly version: string;
  readonly port: number;
  readonly peer: Peer;
  readonly account: { readonly user: string; readonly password: string };
  readonly hostKeys: readonly HostKeyFile[];
  readonly hostCa: KeyPair | undefined;
  setAuthorizedKeys(lines: readonly string[]): void;
  /** Removes what the launcher wrote (temporary folder, authorized keys), after the process has stopped. */
  cleanUp(): void;
}

/** The handle every launcher returns: a loopback server, its log, and a stop that ends it by its pid. */
export function serverHandle(p: ServerHandleParts): SshServerPeer {
  const host = '127.0.0.1';
  return {
    kind: p.kind,
    version: p.version,
    host,
    port: p.port,
    pid: p.peer.pid,
    user: p.account.user,
    password: p.account.password,
    hostKeys: p.hostKeys,
    hostCa: p.hostCa,
    setAuthorizedKeys: p.setAuthorizedKeys,
    knownHosts: () => knownHostsFor(host, p.port, p.hostKeys),
    certAuthorityLine: (pattern = `[${host}]:*`) => certAuthorityLineFor(p.hostCa, pattern),
    log: () => p.peer.output(),
    waitForLog: (pattern, timeoutMs) => p.peer.waitForOutput(pattern, timeoutMs),
    async stop() {
      await p.peer.stop();
      p.cleanUp();
    },
  };
}
