/** Distinguished names: display form and comparison by RFC 5280 §7.1 (RFC 4518 basics). */
import type { Name } from '@peculiar/asn1-x509';
import { toHex, u8 } from './bytes.ts';

export interface Attribute {
  readonly type: string;
  /** Normalized comparison key: prepared string, or `#hex` for a non-string value. */
  readonly key: string;
  /** As written, for display. */
  readonly text: string;
}

export interface DistinguishedName {
  readonly rdns: readonly (readonly Attribute[])[];
  /** Canonical key: equal keys mean equal names under §7.1. */
  readonly key: string;
  /** RFC 4514-like display form, most significant RDN first. */
  readonly text: string;
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '2.5.4.12': 'title', '2.5.4.4': 'SN', '2.5.4.42': 'GN', '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID', '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * RFC 4518 string preparation, simplified: NFKC, case fold, insignificant space handling
 * (leading/trailing removed, inner runs folded to one). §7.1 asks for at least this for
 * PrintableString and UTF8String; the other string types are treated the same way.
 */
export function prepareString(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s\u00a0]+/g, ' ').trim();
}

function attribute(type: string, value: Name[number][number]['value']): Attribute {
  const str = value.printableString ?? value.utf8String ?? value.teletexString ?? value.bmpString
    ?? value.universalString ?? value.ia5String;
  if (str !== undefined) return { type, key: prepareString(str), text: str };
  const raw = value.anyValue ? toHex(u8(value.anyValue)) : '';
  return { type, key: `#${raw}`, text: `#${raw}` };
}

function rdnKey(rdn: readonly Attribute[]): string {
  return rdn.map((a) => `${a.type}=${JSON.stringify(a.key)}`).sort().join('+');
}

export function fromAsn(name: Name): DistinguishedName {
  const rdns = Array.from(name, (rdn) => Array.from(rdn, (atv) => attribute(atv.type, atv.value)));
  return make(rdns);
}

function make(rdns: Attribute[][]): DistinguishedName {
  const key = rdns.map(rdnKey).join(',');
  const text = rdns.map((rdn) => rdn.map((a) => `${SHORT[a.type] ?? a.type}=${a.text}`).join('+')).join(', ');
  return { rdns, key, text: text === '' ? '(empty name)' : text };
}

export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

/** True when `base` is an RDN-wise prefix of `name` (§4.2.1.10 directoryName subtrees). */
export function isNamePrefix(base: DistinguishedName, name: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => rdnKey(rdn) === rdnKey(name.rdns[i] as Attribute[]));
}

/** A name with one more RDN appended (DistributionPointName nameRelativeToCRLIssuer). */
export function appendRdn(name: DistinguishedName, rdn: readonly Attribute[]): DistinguishedName {
  return make([...name.rdns.map((r) => [...r]), [...rdn]]);
}

export function rdnFromAsn(rdn: Name[number]): Attribute[] {
  return Array.from(rdn, (atv) => attribute(atv.type, atv.value));
}

/** The values of one attribute type, as written (e.g. every CN, every emailAddress). */
export function attributeValues(name: DistinguishedName, type: string): string[] {
  return name.rdns.flatMap((rdn) => rdn.filter((a) => a.type === type).map((a) => a.text));
}

export function commonName(name: DistinguishedName): string {
  return attributeValues(name, '2.5.4.3').at(-1) ?? name.text;
}
