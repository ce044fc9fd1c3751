// The host-key decision (fail closed, ARCHITECTURE.md "Trust decisions"), as OpenSSH's check_host_key:
// @revoked first, then @cert-authority for host certificates, then plain known_hosts keys.
import {
  encodePublicKey, fingerprintSha256, isCertificateType, parseCertificate, publicKeyType, verifyCertificateSignature,
  DEFAULT_CA_SIGNATURE_ALGORITHMS, type Certificate,
} from '../keys/index.ts';
import { HostKeyError, type KnownKeyRef } from './errors.ts';
import { entriesForHost, parseKnownHosts, type KnownHostEntry, type KnownHosts } from './known-hosts.ts';
import { matchPattern } from './pattern.ts';

/** The transport's HostKeyInfo, structurally: the negotiated algorithm and the K_S blob. */
export interface HostKeyCandidate { readonly algorithm: string; readonly blob: Uint8Array }

export interface HostKeyVerifierOptions {
  /** known_hosts text, or an already parsed file. Several files can be joined with newlines. */
  knownHosts: KnownHosts | string;
  host: string;
  port?: number;
  /** Current time in seconds since the epoch (certificate validity). Default: the clock. */
  now?: () => number;
  /** CA signature algorithms accepted on host certificates. Default: no SHA-1 ssh-rsa. */
  caSignatureAlgorithms?: readonly string[];
}

export interface HostKeyTrust {
  readonly via: 'known-key' | 'cert-authority';
  readonly line: number;
  readonly fingerprint: string;
  /** For certificates: the key id and serial, for logs. */
  readonly certificate?: { keyId: string; serial: bigint };
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

async function refs(entries: readonly KnownHostEntry[]): Promise<KnownKeyRef[]> {
  return Promise.all(entries.map(async (e) => ({ fingerprint: await fingerprintSha256(e.key), keyType: e.keyType, line: e.line })));
}

/** A certificate time (uint64 seconds, PROTOCOL.certkeys) for a message; Date covers only ±8.64e12 s (ECMA-262 §21.4.1.1). */
function certTime(seconds: bigint): string {
  return seconds <= 8_640_000_000_000n ? new Date(Number(seconds) * 1000).toISOString() : `${seconds} s after 1970`;
}

/** Why a certificate signed by a trusted CA is not valid for this host now; empty when it is. */
export async function hostCertificateProblems(cert: Certificate, host: string, nowSeconds: number, caAlgorithms: readonly string[]): Promise<string[]> {
  const reasons: string[] = [];
  if (!(await verifyCertificateSignature(cert, caAlgorithms))) reasons.push('the CA signature does not verify (or uses a refused algorithm)');
  if (cert.certType !== 'host') reasons.push('it is a user certificate, not a host certificate');
  const now = BigInt(Math.floor(nowSeconds));
  if (now < cert.validAfter) reasons.push(`it is not valid before ${certTime(cert.validAfter)}`);
  if (now >= cert.validBefore) reasons.push(`it expired at ${certTime(cert.validBefore)}`);
  // sshkey_cert_check_host: principals may be patterns; an empty list is valid for any host (PROTOCOL.certkeys).
  const name = host.toLowerCase();
  if (cert.principals.length > 0 && !cert.principals.some((p) => matchPattern(name, p.toLowerCase()))) {
    reasons.push(`it names ${cert.principals.join(', ')}, not ${host}`);
  }
  // No critical option is defined for host certificates: any is unknown, so refused.
  for (const o of cert.criticalOptions) reasons.push(`it carries the unsupported critical option "${o.name}"`);
  return reasons;
}

/** Decides trust for one presented host key. Resolves how it was trusted; rejects with a HostKeyError. */
export async function checkHostKey(o: HostKeyVerifierOptions, key: HostKeyCandidate): Promise<HostKeyTrust> {
  const kh = typeof o.knownHosts === 'string' ? parseKnownHosts(o.knownHosts) : o.knownHosts;
  const port = o.port ?? 22;
  const forHost = await entriesForHost(kh, o.host, port);
  const cert = isCertificateType(publicKeyType(key.blob)) ? parseCertificate(key.blob) : undefined;
  const plain = cert ? encodePublicKey(cert.key) : key.blob;
  const keyType = publicKeyType(plain);
  const fingerprint = await fingerprintSha256(plain);
  const fail = (code: ConstructorParameters<typeof HostKeyError>[0], msg: string, known: KnownKeyRef[] = [], reasons: string[] = []) =>
    new HostKeyError(code, msg, o.host, port, fingerprint, keyType, known, reasons);

  // @revoked: a revoked key is never accepted, whatever host its line names (stricter than a per-host match).
  const revokedKeys = [plain, key.blob, ...(cert ? [cert.signatureKey] : [])];
  const revoked = kh.entries.find((e) => e.marker === 'revoked' && revokedKeys.some((k) => same(k, e.key)));
  if (revoked) {
    throw fail('HOST_KEY_REVOKED', `The host key of ${o.host} (${fingerprint}) is marked revoked in known_hosts line ${revoked.line}; the connection was refused.`, await refs([revoked]));
  }

  if (cert) {
    const cas = forHost.filter((e) => e.marker === 'cert-authority' && same(e.key, cert.signatureKey));
    if (cas.length > 0) {
      const reasons = await hostCertificateProblems(cert, o.host, o.now?.() ?? Date.now() / 1000, o.caSignatureAlgorithms ?? DEFAULT_CA_SIGNATURE_ALGORITHMS);
      if (reasons.length > 0) {
        throw fail('HOST_CERT_INVALID', `The host certificate of ${o.host} is signed by a trusted CA but is not valid: ${reasons.join('; ')}.`, await refs(cas), reasons);
      }
      return { via: 'cert-authority', line: cas[0]!.line, fingerprint, certificate: { keyId: cert.keyId, serial: cert.serial } };
    }
    // No trusted CA: like OpenSSH, retry with the certified key as a plain key.
  }

  const plainEntries = forHost.filter((e) => e.marker === undefined);
  const match = plainEntries.find((e) => same(e.key, plain));
  if (match) return { via: 'known-key', line: match.line, fingerprint };
  const sameType = plainEntries.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    const old = await refs(sameType);
    throw fail('HOST_KEY_CHANGED',
      `The ${keyType} host key of ${o.host} has CHANGED: it is now ${fingerprint}, known_hosts line ${old[0]!.line} has ${old[0]!.fingerprint}. ` +
      'Someone could be intercepting the connection, or the server was reinstalled; the connection was refused.', old);
  }
  const others = await refs(plainEntries);
  throw fail('HOST_KEY_UNKNOWN',
    others.length > 0
      ? `${o.host} is known with ${others.map((r) => r.keyType).join(', ')} keys, but presented a ${keyType} key (${fingerprint}) that is not known.`
      : `The authenticity of ${o.host} cannot be established: its ${keyType} key fingerprint is ${fingerprint}.`,
    others);
}

/** The `verifyHostKey` callback for TransportOptions: resolves to accept, rejects with a HostKeyError to refuse. */
export function createHostKeyVerifier(o: HostKeyVerifierOptions, onTrusted?: (t: HostKeyTrust) => void): (key: HostKeyCandidate) => Promise<void> {
  const options = typeof o.knownHosts === 'string' ? { ...o, knownHosts: parseKnownHosts(o.knownHosts) } : o;
  return async (key) => {
    // Evaluated unconditionally: `onTrusted?.(await check())` would skip the check when no callback is given.
    const trust = await checkHostKey(options, key);
    onTrusted?.(trust);
  };
}

/**
 * Host-key algorithms ordered so that types already known for this host come first (as OpenSSH's
 * order_hostkeyalgs), so a known server presents a key we can check rather than an "unknown" one.
 */
export async function preferredHostKeyAlgorithms(knownHosts: KnownHosts | string, host: string, port: number, algorithms: readonly string[]): Promise<string[]> {
  const kh = typeof knownHosts === 'string' ? parseKnownHosts(knownHosts) : knownHosts;
  const entries = await entriesForHost(kh, host, port);
  const types = new Set(entries.filter((e) => e.marker === undefined).map((e) => e.keyType));
  const hasCa = entries.some((e) => e.marker === 'cert-authority');
  const keyTypeOf = (alg: string) => {
    const base = alg.replace(/-cert-v01@openssh\.com$/, '');
    return base.startsWith('rsa-sha2-') ? 'ssh-rsa' : base;
  };
  const known = (alg: string) => (alg.endsWith('-cert-v01@openssh.com') ? hasCa : types.has(keyTypeOf(alg)));
  return [...algorithms.filter(known), ...algorithms.filter((a) => !known(a))];
}
