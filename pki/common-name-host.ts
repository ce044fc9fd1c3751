/**
 * The subject CNs that may stand for a host name, and so must obey name constraints.
 *
 * RFC 5280 §4.2.1.10 constrains only the subjectAltName and the DN as a whole, but identity/host-name.ts (as AsyncSSH
 * and PKIX-SSH do) falls back to the subject CN when a host certificate has no subjectAltName (RFC 6125 §6.4.4,
 * CN-ID). A CA limited to example.com could otherwise name any host in a CN. RFC 6125 §6.4.4 lets a client drop the
 * CN-ID, and RFC 9525 does; we keep it for SAN-less RFC 6187 host certificates, but only for the CNs returned here,
 * which name-constraints.ts checks as dNSName / iPAddress names (as OpenSSL's and BoringSSL's cn2dnsid and Go 1.10 to
 * 1.14 did). Both sides use this one function, so a CN is matched as a host only if the constraints saw it.
 */
import type { Certificate } from './certificate.ts';
import type { GeneralName } from './general-name.ts';
import { ipFromText } from './general-name.ts';
import { attributeValues } from './name.ts';
import { OID } from './oids.ts';

/** An LDH host name of two or more labels (RFC 1123 §2.1; "_" tolerated). One label is not taken for a host, as in OpenSSL. */
function isDnsHostName(text: string): boolean {
  const name = text.replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l));
}

/** The CNs of a certificate without subjectAltName that read as a host name or an IPv4/IPv6 address literal. */
export function commonNameHostNames(cert: Certificate): GeneralName[] {
  if (cert.ext.subjectAltName !== undefined) return [];
  return attributeValues(cert.subject, OID.commonName).flatMap((cn): GeneralName[] => {
    const bytes = /^[0-9.]+$|:/.test(cn) ? ipFromText(cn.replace(/^\[(.*)\]$/, '$1')) : new Uint8Array(0);
    if (bytes.length === 4 || bytes.length === 16) return [{ kind: 'ip', bytes }];
    return isDnsHostName(cn) ? [{ kind: 'dns', value: cn }] : [];
  });
}
