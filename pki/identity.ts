/** Identity in a card certificate, for display and principal mapping (SAN per RFC 5280 §4.2.1.6, PIV per SP 800-73-4). */
import { toHex } from './bytes.ts';
import type { Certificate } from './certificate.ts';
import { content, readTlv } from './der.ts';
import { attributeValues, commonName } from './name.ts';
import { OID } from './oids.ts';

export interface CardIdentity {
  /** Microsoft User Principal Name (otherName 1.3.6.1.4.1.311.20.2.3). */
  readonly upn: string[];
  readonly emails: string[];
  readonly commonName: string;
  /** PIV FASC-N (SP 800-73-4 Part 1 §3.3.2), decoded to its digit fields, and its hex. */
  readonly fascn?: { readonly hex: string; readonly agencyCode: string; readonly systemCode: string; readonly credentialNumber: string; readonly personIdentifier: string; readonly digits: string };
  /** PIV card UUID from a `urn:uuid:` SAN URI (SP 800-73-4 §3.3). */
  readonly uuid?: string;
}

/** The value inside an otherName: asn1-x509 gives the [0] EXPLICIT wrapper or its content. */
function otherNameValue(v: Uint8Array): { tag: number; body: Uint8Array } | undefined {
  try {
    let t = readTlv(v, 0);
    if (t.tag === 0xa0) t = readTlv(v, t.contentStart, t.end);
    return { tag: t.tag, body: content(v, t) };
  } catch {
    return undefined;
  }
}

/** FASC-N: 40 characters of 4 data bits (least significant first) plus an odd parity bit. */
function decodeFascn(b: Uint8Array): CardIdentity['fascn'] {
  if (b.length !== 25) return undefined;
  let digits = '';
  for (let i = 0; i < 40; i++) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const bit = i * 5 + k;
      if (((b[bit >> 3] as number) >> (7 - (bit & 7))) & 1) v |= 1 << k;
    }
    digits += v <= 9 ? String(v) : v === 0xb ? 'S' : v === 0xd ? 'F' : v === 0xf ? 'E' : '?';
  }
  const fields = digits.replace(/^S/, '').split(/[FE]/);
  return {
    hex: toHex(b), digits,
    agencyCode: fields[0] ?? '', systemCode: fields[1] ?? '', credentialNumber: fields[2] ?? '',
    personIdentifier: (fields[5] ?? '').slice(0, 10),
  };
}

export function cardIdentity(cert: Certificate): CardIdentity {
  const san = cert.ext.subjectAltName ?? [];
  const upn: string[] = [];
  let fascn: CardIdentity['fascn'];
  let uuid: string | undefined;
  for (const g of san) {
    if (g.kind === 'other') {
      const v = otherNameValue(g.value);
      if (!v) continue;
      if (g.typeId === OID.msUpn && v.tag === 0x0c) upn.push(new TextDecoder().decode(v.body));
      if (g.typeId === OID.pivFascn && v.tag === 0x04) fascn = decodeFascn(v.body);
    } else if (g.kind === 'uri' && /^urn:uuid:[0-9a-f-]{36}$/i.test(g.value)) {
      uuid = g.value.slice(9).toLowerCase();
    }
  }
  const emails = [
    ...san.flatMap((g) => (g.kind === 'rfc822' ? [g.value] : [])),
    ...attributeValues(cert.subject, OID.emailAddress),
  ];
  return { upn, emails, commonName: commonName(cert.subject), ...(fascn ? { fascn } : {}), ...(uuid ? { uuid } : {}) };
}
