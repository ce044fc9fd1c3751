/**
 * The revokedCertificates list of a CRL (RFC 5280 §5.1.2.6, §5.3), read with der.ts instead of asn1js: asn1js stops
 * at 10 000 ASN.1 nodes (about 1 300 entries with a reason code), and at 300 000 entries a full parse takes over a
 * minute and gigabytes; CAs of smart-card PKIs publish CRLs that large.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x from '@peculiar/asn1-x509';
import { serialKey } from './bytes.ts';
import type { CrlEntry } from './crl.ts';
import type { Tlv } from './der.ts';
import { children, content, oidText, readTlv } from './der.ts';
import { PkiParseError } from './errors.ts';
import { fromAsnGeneralName } from './general-name.ts';
import type { DistinguishedName } from './name.ts';
import { OID } from './oids.ts';
import { decodeTime } from './time.ts';

const BOOLEAN = 0x01;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const ENUMERATED = 0x0a;
const SEQUENCE = 0x30;

function malformed(why: string): never {
  throw new PkiParseError('MALFORMED_DER', `A CRL entry ${why}.`);
}

/** CRLReason (§5.3.1): an ENUMERATED in the extension value. */
function reasonOf(v: Uint8Array): number {
  const t = readTlv(v, 0);
  const b = content(v, t);
  if (t.tag !== ENUMERATED || t.end !== v.length || b.length === 0 || b.length > 2 || ((b[0] as number) & 0x80)) malformed('has a malformed reason code');
  return b.reduce((n, byte) => n * 256 + byte, 0);
}

/**
 * The entries of `list` (the revokedCertificates SEQUENCE), each with the certificate issuer it is about
 * (§5.3.3: certificateIssuer is read in indirect CRLs only, and holds for the entries after it), and the OIDs of
 * critical entry extensions not understood.
 */
export function parseCrlEntries(der: Uint8Array, list: Tlv, crlIssuer: DistinguishedName, indirect: boolean): { entries: CrlEntry[]; unknownCritical: string[] } {
  const entries: CrlEntry[] = [];
  const unknownCritical: string[] = [];
  let entryIssuer = crlIssuer;
  for (const e of children(der, list)) {
    // SEQUENCE { userCertificate CertificateSerialNumber, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }
    const [serial, date, exts, extra] = e.tag === SEQUENCE ? children(der, e) : malformed('is not a SEQUENCE');
    if (serial?.tag !== INTEGER || serial.end === serial.contentStart) malformed('has no serial number');
    const revocationDate = decodeTime(der, date, 'A CRL entry\'s revocationDate');
    if (extra || (exts && exts.tag !== SEQUENCE)) malformed('has fields after its extensions');
    let reason: number | undefined;
    for (const ext of exts ? children(der, exts) : []) {
      // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
      const f = ext.tag === SEQUENCE ? children(der, ext) : malformed('has a malformed extension');
      const [id, second, third] = f;
      const hasCritical = second?.tag === BOOLEAN;
      const value = hasCritical ? third : second;
      if (!id || value?.tag !== OCTET_STRING || f.length !== (hasCritical ? 3 : 2)) malformed('has a malformed extension');
      const oid = oidText(der, id);
      const critical = hasCritical && (der[second.contentStart] ?? 0) !== 0;
      const v = content(der, value);
      if (oid === OID.crlReason) reason = reasonOf(v);
      else if (oid === OID.certificateIssuer) {
        if (indirect) {
          const dn = Array.from(AsnConvert.parse(v, x.CertificateIssuer), fromAsnGeneralName).find((g) => g.kind === 'dn');
          if (dn?.kind === 'dn') entryIssuer = dn.name;
        }
      } else if (oid !== OID.invalidityDate && critical) unknownCritical.push(oid);
    }
    entries.push({
      serialKey: serialKey(content(der, serial)),
      revocationDate,
      ...(reason === undefined ? {} : { reason }),
      certificateIssuer: entryIssuer,
    });
  }
  return { entries, unknownCritical };
}
