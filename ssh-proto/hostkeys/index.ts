// ssh-proto/hostkeys: OpenSSH known_hosts (plain and hashed names, [host]:port, wildcards, negation,
// @cert-authority, @revoked) and the host-key verifier that TransportOptions.verifyHostKey takes.
export {
  parseKnownHosts, entryMatchesHost, entriesForHost, formatKnownHostsLine, appendKnownHostsLine,
} from './known-hosts.ts';
export type { KnownHosts, KnownHostEntry, KnownHostMarker, KnownHostsParseError, KnownHostLineOptions } from './known-hosts.ts';
export { createHostKeyVerifier, checkHostKey, hostCertificateProblems, preferredHostKeyAlgorithms } from './verifier.ts';
export type { HostKeyVerifierOptions, HostKeyCandidate, HostKeyTrust } from './verifier.ts';
export { HostKeyError } from './errors.ts';
export type { KnownKeyRef } from './errors.ts';
export { matchPattern, matchPatternList, hostKeyName } from './pattern.ts';
