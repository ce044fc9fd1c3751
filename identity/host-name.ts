// Does an X.509 host certificate name the host the user asked for? Without this check any server holding a valid
// secureShellServer certificate from the same CA could stand in for any other. The names are the subjectAltName
// dNSName and iPAddress entries (RFC 5280 §4.2.1.6); only when there is no subjectAltName, the subject's CNs, as
// AsyncSSH (crypto/x509.py host_principals) and PKIX-SSH read them (RFC 6125 §6.4.4, CN-ID). Only the CNs that
// pki/common-name-host.ts reads as a host name or address count: those are the ones pki checks against the path's
// name constraints, so a constrained CA cannot name an outside host in a CN. DNS names compare case-insensitively and
// exactly (no wildcards: an SSH host certificate names its hosts).
import type { Certificate, GeneralName } from '../pki/index.ts';
import { commonNameHostNames } from '../pki/index.ts';

function ipv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) return undefined;
  return Uint8Array.from(parts, Number);
}

function ipv6(text: string): Uint8Array | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  if (!bare.includes(':') || !/^[0-9a-fA-F:.]+$/.test(bare)) return undefined;
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = ipv4(g);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const dnsKey = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** The names that can stand for the host: SAN dNSName/iPAddress, or without a SAN the host-name CNs. */
function hostNamesOf(cert: Certificate): GeneralName[] {
  return cert.ext.subjectAltName ?? commonNameHostNames(cert);
}

/** The host names a certificate is for, for messages. */
export function certificateHostNames(cert: Certificate): string[] {
  return hostNamesOf(cert).flatMap((n) => n.kind === 'dns' ? [n.value] : n.kind === 'ip' ? [n.bytes.length === 4 ? n.bytes.join('.') : `IPv6 ${Array.from(n.bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`] : []);
}

/** True when `host` (a DNS name or an IPv4/IPv6 literal) is one of the certificate's host names. */
export function certificateNamesHost(cert: Certificate, host: string): boolean {
  const address = ipv4(host) ?? ipv6(host);
  return hostNamesOf(cert).some((n) => address
    ? n.kind === 'ip' && sameBytes(n.bytes, address)
    : n.kind === 'dns' && dnsKey(n.value) === dnsKey(host));
}
