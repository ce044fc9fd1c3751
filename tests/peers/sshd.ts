// Real OpenSSH servers for the tests: Debian 12's sshd 9.2 and 10.0 from bookworm-backports
// (the only peer here for mlkem768x25519-sha256), each on a free loopback port with temporary
// host keys, a host certificate from a temporary CA, and a temporary authorized_keys file.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireExecutable, startOnFreePort, startPeer } from '../support/index.ts';
import { requireTestAccount } from './account.ts';
import { generateKey, makeTempDir, removeTempDir, signCertificate, type KeyPair, type KeyType } from './keys.ts';
import { openssh10Root } from './repo.ts';
import { serverHandle, type HostKeyFile, type SshServerPeer } from './server.ts';

export type SshdVersion = '9.2' | '10.0';
export type SshdLogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

export interface SshdOptions {
  readonly version?: SshdVersion;
  /** Host key types to generate (default ed25519, ecdsa-p256, rsa). */
  readonly hostKeyTypes?: readonly KeyType[];
  /** Sign each host key with a temporary host CA and configure HostCertificate (default true). */
  readonly hostCertificates?: boolean;
  /** Public key lines accepted for the test account. */
  readonly authorizedKeys?: readonly string[];
  /** CA public key lines for TrustedUserCAKeys (user certificates). */
  readonly trustedUserCAKeys?: readonly string[];
  /** sshd RekeyLimit, e.g. "1M" or "1M 10s". */
  readonly rekeyLimit?: string;
  /** Default DEBUG1 (prints the negotiated algorithms); DEBUG3 proves strict kex. */
  readonly logLevel?: SshdLogLevel;
  /** Further sshd_config keywords, e.g. { KexAlgorithms: '...', Ciphers: '...' }. Override the defaults. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * The line sshd logs at DEBUG3 when both sides agreed on strict kex
 * (OpenSSH kex.c kex_choose_conf: "will use strict KEX ordering").
 */
export const STRICT_KEX_LOG_LINE = /kex_choose_conf: will use strict KEX ordering/;

/** Every algorithm sshd can do that Tessera offers, so per-algorithm tests find it enabled. */
export const SSHD_ALGORITHMS: Record<SshdVersion, { kex: string; ciphers: string; macs: string }> = {
  '9.2': {
    kex: 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256',
    ciphers: 'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr',
    macs: 'hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512',
  },
  '10.0': {
    kex: 'mlkem768x25519-sha256,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256',
    ciphers: 'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr',
    macs: 'hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512',
  },
};

/** What sshd says when its port is taken: sshd.c listen_on_addrs (ERROR), then server_listen's fatal (FATAL). */
export const SSHD_PORT_TAKEN = /Bind to port \d+ on \S+ failed: Address already in use|Cannot bind any address/;

function sshdBinary(version: SshdVersion): string {
  if (version === '9.2') return requireExecutable('/usr/sbin/sshd', 'Debian 12 openssh-server');
  return requireExecutable(join(openssh10Root, 'usr/sbin/sshd'), 'OpenSSH 10.0 unpacked from bookworm-backports into .peers/openssh-10');
}

export async function startSshd(options: SshdOptions = {}): Promise<SshServerPeer> {
  const version = options.version ?? '9.2';
  const binary = sshdBinary(version);
  const account = requireTestAccount();
  // sshd refuses to start without its privilege-separation directory.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const dir = makeTempDir('tessera-sshd-');
  // sshd reads AuthorizedKeysFile as the logged-in user: the folder must be traversable.
  chmodSync(dir, 0o755);
  try {
    const hostKeyTypes = options.hostKeyTypes ?? ['ed25519', 'ecdsa-p256', 'rsa'];
    const withCerts = options.hostCertificates ?? true;
    const hostCa: KeyPair | undefined = withCerts ? generateKey(dir, 'host_ca', 'ed25519') : undefined;
    const hostKeys: HostKeyFile[] = hostKeyTypes.map((type) => {
      const key = generateKey(dir, `host_${type}`, type);
      const certificate = hostCa ? signCertificate(hostCa, key, { host: true, identity: `tessera-test-host-${type}`, principals: ['127.0.0.1', 'localhost'] }) : undefined;
      return { key, certificate };
    });
    const authorizedKeysPath = join(dir, 'authorized_keys');
    const setAuthorizedKeys = (lines: readonly string[]) => writeFileSync(authorizedKeysPath, lines.map((l) => `${l.trim()}\n`).join(''), { mode: 0o644 });
    setAuthorizedKeys(options.authorizedKeys ?? []);

    const algorithms = SSHD_ALGORITHMS[version];
    const settings: Record<string, string> = {
      ListenAddress: '127.0.0.1',
      PidFile: 'none',
      StrictModes: 'no',
      AuthorizedKeysFile: authorizedKeysPath,
      UsePAM: 'yes',
      KbdInteractiveAuthentication: 'yes',
      PasswordAuthentication: 'yes',
      PermitRootLogin: 'no',
      AllowUsers: account.user,
      LogLevel: options.logLevel ?? 'DEBUG1',
      KexAlgorithms: algorithms.kex,
      Ciphers: algorithms.ciphers,
      MACs: algorithms.macs,
      AcceptEnv: 'LANG LC_* TESSERA_*',
      PrintMotd: 'no',
      MaxStartups: '100',
      MaxSessions: '20',
    };
    if (version === '10.0') {
      settings['SshdSessionPath'] = requireExecutable(join(openssh10Root, 'usr/lib/openssh/sshd-session'), 'OpenSSH 10.0 sshd-session');
      settings['SshdAuthPath'] = requireExecutable(join(openssh10Root, 'usr/lib/openssh/sshd-auth'), 'OpenSSH 10.0 sshd-auth');
      // 10.0 penalises sources that fail auth; hostile and refusal tests must not lock out 127.0.0.1.
      settings['PerSourcePenalties'] = 'no';
    }
    if (options.rekeyLimit !== undefined) settings['RekeyLimit'] = options.rekeyLimit;
    if (options.trustedUserCAKeys && options.trustedUserCAKeys.length > 0) {
      const caPath = join(dir, 'trusted_user_ca_keys');
      writeFileSync(caPath, options.trustedUserCAKeys.map((l) => `${l.trim()}\n`).join(''));
      settings['TrustedUserCAKeys'] = caPath;
    }
    Object.assign(settings, options.config ?? {});

    const lines = Object.entries(settings).map(([k, v]) => `${k} ${v}`);
    for (const { key, certificate } of hostKeys) {
      lines.push(`HostKey ${key.privatePath}`);
      if (certificate) lines.push(`HostCertificate ${certificate.path}`);
    }
    const configPath = join(dir, 'sshd_config');

    // sshd has no Port 0: it is told a port, drawn once the keys exist, and started again on another if that one was
    // taken meanwhile (sshd.c listen_on_addrs logs the bind failure at ERROR, "Cannot bind any address" at FATAL; at
    // QUIET it exits silently, and that fails as any other exit). Ready once sshd's own pid holds the socket.
    const { peer, port } = await startOnFreePort({
      name: `sshd ${version}`,
      portTaken: SSHD_PORT_TAKEN,
      start(port) {
        writeFileSync(configPath, `Port ${port}\n${lines.join('\n')}\n`);
        return startPeer(binary, ['-D', '-e', '-f', configPath]);
      },
    });
    return serverHandle({
      kind: 'openssh', version: version, port, peer, account: account, hostKeys, hostCa: hostCa,
      setAuthorizedKeys, cleanUp: () => { removeTempDir(dir); },
    });
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}
