// Real SSH servers for interop tests, benchmarks and the demo (tests/peers).
export { startSshd, SSHD_ALGORITHMS, SSHD_PORT_TAKEN, STRICT_KEX_LOG_LINE } from './sshd.ts';
export type { SshdOptions, SshdVersion, SshdLogLevel } from './sshd.ts';
export { startDropbear } from './dropbear.ts';
export type { DropbearOptions } from './dropbear.ts';
export { startAsyncSsh } from './asyncssh.ts';
export type { AsyncSshOptions } from './asyncssh.ts';
export { knownHostsName } from './server.ts';
export type { SshServerPeer, ServerKind, HostKeyFile } from './server.ts';
export { generateKey, signCertificate, makeTempDir, removeTempDir, parsePublicLine, ALL_KEY_TYPES } from './keys.ts';
export type { KeyPair, KeyType, CertificateOptions } from './keys.ts';
export { TEST_ACCOUNT, requireTestAccount } from './account.ts';
export { repoRoot, openssh10Root } from './repo.ts';
export { runOpenSsh } from './openssh-client.ts';
export type { OpenSshRun } from './openssh-client.ts';
