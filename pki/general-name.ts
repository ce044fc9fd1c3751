/** GeneralName (RFC 5280 §4.2.1.6) in a form the validator can compare. */
import type { GeneralName as AsnGeneralName } from '@peculiar/asn1-x509';
import { u8 } from './bytes.ts';
import type { DistinguishedName } from './name.ts';
import { fromAsn } from './name.ts';

export type GeneralName =
  | { readonly kind: 'rfc822'; readonly value: string }
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  /** 4 or 16 bytes in a SAN; 8 or 32 (address then mask) in a name constraint; empty if unreadable. */
  | { readonly kind: 'ip'; readonly bytes: Uint8Array }
  | { readonly kind: 'dn'; readonly name: DistinguishedName }
  | { readonly kind: 'other'; readonly typeId: string; readonly value: Uint8Array }
  | { readonly kind: 'unsupported'; readonly form: 'x400Address' | 'ediPartyName' | 'registeredID' };

/** The asn1-x509 schema gives iPAddress as text; turn it back into octets (and a prefix mask). */
export function ipFromText(text: string): Uint8Array {
  const [addr = '', prefix] = text.split('/');
  let bytes: number[] | undefined;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) {
    bytes = addr.split('.').map(Number);
    if (bytes.some((b) => b > 255)) return new Uint8Array(0);
  } else if (/^[0-9a-f:]+$/i.test(addr) && addr.includes(':')) {
    const halves = addr.split('::');
    if (halves.length > 2) return new Uint8Array(0);
    const left = halves[0] ? halves[0].split(':') : [];
    const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
    const fill = 8 - left.length - right.length;
    if (fill < 0 || (halves.length === 1 && fill !== 0)) return new Uint8Array(0);
    const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
    bytes = groups.flatMap((g) => {
      const v = parseInt(g, 16);
      return [(v >> 8) & 0xff, v & 0xff];
    });
  }
  if (!bytes) return new Uint8Array(0);
  if (prefix === undefined) return Uint8Array.from(bytes);
  const bits = Number(prefix);
  const mask = bytes.map((_, i) => {
    const left = Math.max(0, Math.min(8, bits - i * 8));
    return (0xff << (8 - left)) & 0xff;
  });
  return Uint8Array.from([...bytes, ...mask]);
}

export function fromAsnGeneralName(g: AsnGeneralName): GeneralName {
  if (g.rfc822Name !== undefined) return { kind: 'rfc822', value: g.rfc822Name };
  if (g.dNSName !== undefined) return { kind: 'dns', value: g.dNSName };
  if (g.uniformResourceIdentifier !== undefined) return { kind: 'uri', value: g.uniformResourceIdentifier };
  if (g.iPAddress !== undefined) return { kind: 'ip', bytes: ipFromText(g.iPAddress) };
  if (g.directoryName !== undefined) return { kind: 'dn', name: fromAsn(g.directoryName) };
  if (g.otherName !== undefined) return { kind: 'other', typeId: g.otherName.typeId, value: u8(g.otherName.value) };
  if (g.x400Address !== undefined) return { kind: 'unsupported', form: 'x400Address' };
  if (g.ediPartyName !== undefined) return { kind: 'unsupported', form: 'ediPartyName' };
  return { kind: 'unsupported', form: 'registeredID' };
}

/** Equality used for distribution point names (RFC 5280 §6.3.3 (b)(2)(i)). */
export function generalNamesEqual(a: GeneralName, b: GeneralName): boolean {
  if (a.kind === 'dn' && b.kind === 'dn') return a.name.key === b.name.key;
  if (a.kind === 'ip' && b.kind === 'ip') return a.bytes.join(',') === b.bytes.join(',');
  if ((a.kind === 'dns' && b.kind === 'dns') || (a.kind === 'rfc822' && b.kind === 'rfc822')) {
    return a.value.toLowerCase() === b.value.toLowerCase();
  }
  if (a.kind === 'uri' && b.kind === 'uri') return a.value === b.value;
  return false;
}

export function describeGeneralName(g: GeneralName): string {
  switch (g.kind) {
    case 'rfc822': return `email ${g.value}`;
    case 'dns': return `DNS name ${g.value}`;
    case 'uri': return `URI ${g.value}`;
    case 'ip': return `IP address ${Array.from(g.bytes).join('.')}`;
    case 'dn': return `directory name "${g.name.text}"`;
    case 'other': return `otherName ${g.typeId}`;
    case 'unsupported': return g.form;
  }
}
