// `tessera ssh --host-ca FILE`: trust X.509 host certificates (RFC 6187 x509v3-* host keys) issued by the CAs in FILE.
// The chain is validated by pki/ for id-kp-secureShellServer and must name the host as given on the command line
// (identity's x509HostKeyVerifier); servers that present a plain key still go through known_hosts.
// x509v3-* algorithms are offered first; x509v3-ssh-rsa (SHA-1) never.
import { readFileSync } from 'node:fs';
import { x509HostKeyAlgorithms, x509HostKeyVerifier } from '../identity/index.ts';
import { decodePemOrDer } from '../pki/index.ts';
import type { HostKeyInfo } from '../ssh-proto/index.ts';
import { UsageError } from './command.ts';
import { httpFetch } from './http-fetch.ts';


export interface X509HostTrust {
  readonly verifyHostKey: (key: HostKeyInfo) => Promise<void>;
  readonly hostKeyAlgorithms: string[];
}

export function x509HostTrust(host: string, caFiles: readonly string[], knownHosts: (key: HostKeyInfo) => Promise<void>, plainAlgorithms: readonly string[]): X509HostTrust {
  const anchors: Uint8Array[] = [];
  for (const file of caFiles) {
    try { anchors.push(...decodePemOrDer(readFileSync(file))); } catch (err) {
      throw new UsageError(`cannot read the host CA file ${file}: ${(err as Error).message}`);
    }
  }
  if (anchors.length === 0) throw new UsageError(`the host CA files ${caFiles.join(', ')} hold no certificate.`);
  return {
    // Revocation "prefer": a CRL or OCSP answer that says revoked refuses the host; an unreachable one does not.
    verifyHostKey: x509HostKeyVerifier({ host, anchors, revocation: { mode: 'prefer', fetch: httpFetch }, fallback: knownHosts }),
    hostKeyAlgorithms: x509HostKeyAlgorithms({ plain: plainAlgorithms }),
  };
}
