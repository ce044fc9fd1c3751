// X.509 host keys (RFC 6187 x509v3-* host-key algorithms) as a verifyHostKey callback: the K_S blob is parsed as
// RFC 6187 §2.1 (string alg, uint32 n, string cert[n], uint32 m, string ocsp[m]) and the chain validated by pki/
// with HOST_POLICY (id-kp-secureShellServer) to the configured anchors, stapled OCSP responses included.
// ssh-proto's transport verifies the exchange-hash signature with the leaf certificate's key; the x509v3-* names
// are offered only when listed in hostKeyAlgorithms (x509HostKeyAlgorithms below).
import { HOST_POLICY, label, parseCertificate, validatePath, type RevocationOptions } from '../pki/index.ts';
import { DEFAULT_HOST_KEY, INSECURE_X509V3_HOST_KEY, parseX509v3Key, X509V3_HOST_KEY } from '../ssh-proto/index.ts';
import { GateError, IdentityError } from './errors.ts';
import { certificateHostNames, certificateNamesHost } from './host-name.ts';

export interface X509HostKeyPolicy {
  readonly anchors: readonly Uint8Array[];
  /** The host name or address the user connects to: the certificate must name it (identity/host-name.ts). */
  readonly host: string;
  readonly revocation: RevocationOptions;
  readonly time?: () => Date;
  /** Plain (non-x509v3) host keys are passed on to this verifier, e.g. known_hosts from ssh-proto. */
  readonly fallback?: (key: { algorithm: string; blob: Uint8Array }) => Promise<void>;
}

export interface X509HostKeyBlob {
  readonly algorithm: string;
  readonly chain: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
}

/** Parses an RFC 6187 §2.1 key blob (ssh-proto's parser); a malformed one is a typed IdentityError. */
export function parseX509v3Blob(blob: Uint8Array): X509HostKeyBlob {
  try {
    const { algorithm, certificates, ocspResponses } = parseX509v3Key(blob);
    return { algorithm, chain: certificates, ocspResponses };
  } catch (err) {
    throw new IdentityError('KEY_UNSUPPORTED', `The x509v3 key blob was refused: ${(err as Error).message}`, { cause: err });
  }
}

/** A verifyHostKey callback: x509v3 host certificates must validate for secureShellServer; others go to `fallback`. */
export function x509HostKeyVerifier(policy: X509HostKeyPolicy): (key: { algorithm: string; blob: Uint8Array }) => Promise<void> {
  return async (key) => {
    if (!key.algorithm.startsWith('x509v3-')) {
      if (!policy.fallback) throw new IdentityError('KEY_UNSUPPORTED', `The server's ${key.algorithm} host key is not an X.509 certificate and no other trust is configured.`);
      return policy.fallback(key);
    }
    const parsed = parseX509v3Blob(key.blob);
    const [leaf, ...intermediates] = parsed.chain;
    const result = await validatePath({
      leaf: leaf!, intermediates, anchors: policy.anchors, time: policy.time?.() ?? new Date(),
      policy: { leaf: HOST_POLICY },
      revocation: { ...policy.revocation, ocspResponses: [...(policy.revocation.ocspResponses ?? []), ...parsed.ocspResponses] },
    });
    if (!result.valid) throw new GateError('CERTIFICATE_REJECTED', result.errors, 'The server\'s X.509 host certificate was refused:');
    // A valid certificate for another host is no proof of this one (AsyncSSH checks its host principals likewise).
    const cert = parseCertificate(leaf!);
    if (!certificateNamesHost(cert, policy.host)) {
      const names = certificateHostNames(cert);
      throw new IdentityError('HOST_NAME_MISMATCH', `The server's X.509 host certificate "${label(cert)}" is valid but is for ${names.length > 0 ? names.join(', ') : 'no host name'}, not ${policy.host}: another server may be answering for it.`);
    }
  };
}

/**
 * The host-key algorithms to offer when X.509 host keys are trusted: x509v3-* first, then `plain` (ssh-proto's
 * defaults). x509v3-ssh-rsa (SHA-1, RFC 6187 §3.1) only when `allowSha1` is set.
 */
export function x509HostKeyAlgorithms(options: { allowSha1?: boolean; plain?: readonly string[] } = {}): string[] {
  return [...X509V3_HOST_KEY, ...(options.allowSha1 ? INSECURE_X509V3_HOST_KEY : []), ...(options.plain ?? DEFAULT_HOST_KEY)];
}
