/** Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c), §6.1.4 (g)). */
import type { Certificate } from './certificate.ts';
import { commonNameHostNames } from './common-name-host.ts';
import type { GeneralName } from './general-name.ts';
import { describeGeneralName } from './general-name.ts';
import { attributeValues, isNamePrefix } from './name.ts';
import { OID } from './oids.ts';

/** Host part of a URI's authority (§4.2.1.10: constraints on URIs apply to the host). */
function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (!m) return undefined;
  let host = (m[1] ?? '').replace(/^.*@/, '');
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']')).toLowerCase();
  host = host.replace(/:\d*$/, '');
  return host === '' ? undefined : host.toLowerCase();
}

/** dNSName: adding zero or more labels on the left satisfies the constraint. */
function dnsMatches(name: string, base: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const b = base.toLowerCase().replace(/\.$/, '');
  if (b === '') return true;
  if (b.startsWith('.')) return n.endsWith(b);
  return n === b || n.endsWith(`.${b}`);
}

/** rfc822Name: a mailbox, a host (all mail there), or `.domain` (any host below it). */
function emailMatches(email: string, base: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const local = email.slice(0, at);
  const host = email.slice(at + 1).toLowerCase();
  const bAt = base.lastIndexOf('@');
  if (bAt >= 0) return local === base.slice(0, bAt) && host === base.slice(bAt + 1).toLowerCase();
  const b = base.toLowerCase();
  if (b.startsWith('.')) return host.endsWith(b);
  return host === b;
}

function uriMatches(uri: string, base: string): boolean {
  const host = uriHost(uri);
  if (host === undefined) return false;
  const b = base.toLowerCase();
  if (b.startsWith('.')) return host.endsWith(b);
  return host === b;
}

function ipMatches(ip: Uint8Array, base: Uint8Array): boolean {
  if (base.length !== ip.length * 2 || ip.length === 0) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = base[ip.length + i] as number;
    if (((ip[i] as number) & mask) !== ((base[i] as number) & mask)) return false;
  }
  return true;
}

/** Whether `name` falls within subtree `base`; undefined when the forms differ. */
function within(name: GeneralName, base: GeneralName): boolean | undefined {
  if (name.kind !== base.kind) return undefined;
  switch (name.kind) {
    case 'dn': return base.kind === 'dn' && isNamePrefix(base.name, name.name);
    case 'dns': return base.kind === 'dns' && dnsMatches(name.value, base.value);
    case 'rfc822': return base.kind === 'rfc822' && emailMatches(name.value, base.value);
    case 'uri': return base.kind === 'uri' && uriMatches(name.value, base.value);
    case 'ip': return base.kind === 'ip' && ipMatches(name.bytes, base.bytes);
    // Forms we cannot compare: a constraint on them rejects the name (§4.2.1.10, "MUST either process ... or reject").
    default: return false;
  }
}

function formOf(g: GeneralName): string {
  return g.kind === 'unsupported' ? g.form : g.kind === 'other' ? `other:${g.typeId}` : g.kind;
}

/** The accumulated state: each permitted set narrows (intersection), each excluded set adds (union). */
export class NameConstraintState {
  private readonly permitted: GeneralName[][] = [];
  private readonly excluded: GeneralName[] = [];

  add(nc: { permitted?: readonly GeneralName[]; excluded?: readonly GeneralName[] }): void {
    if (nc.permitted) this.permitted.push([...nc.permitted]);
    if (nc.excluded) this.excluded.push(...nc.excluded);
  }

  /** The subject names of `cert` subject to constraints: the DN, SANs, host-name CNs, and legacy emailAddress. */
  static namesOf(cert: Certificate): GeneralName[] {
    const names: GeneralName[] = [];
    if (cert.subject.rdns.length > 0) names.push({ kind: 'dn', name: cert.subject });
    const san = cert.ext.subjectAltName ?? [];
    names.push(...san);
    // Without a SAN, a CN that identity/ would take for the host name is checked as one (common-name-host.ts).
    names.push(...commonNameHostNames(cert));
    // §4.2.1.10: without a SAN, rfc822 constraints apply to emailAddress attributes in the subject.
    if (!san.some((g) => g.kind === 'rfc822')) {
      for (const e of attributeValues(cert.subject, OID.emailAddress)) names.push({ kind: 'rfc822', value: e });
    }
    return names;
  }

  /** A sentence describing the first violation, or undefined when every name is allowed. */
  check(cert: Certificate): string | undefined {
    for (const name of NameConstraintState.namesOf(cert)) {
      const form = formOf(name);
      for (const set of this.permitted) {
        const sameForm = set.filter((b) => formOf(b) === form);
        if (sameForm.length > 0 && !sameForm.some((b) => within(name, b) === true)) {
          return `its ${describeGeneralName(name)} is outside the names its issuers permit`;
        }
      }
      const hit = this.excluded.find((b) => formOf(b) === form && within(name, b) === true);
      if (hit) return `its ${describeGeneralName(name)} is inside the excluded ${describeGeneralName(hit)}`;
      if ((name.kind === 'unsupported' || name.kind === 'other') && this.excluded.some((b) => formOf(b) === form)) {
        return `its ${describeGeneralName(name)} cannot be checked against an excluded subtree of that form`;
      }
    }
    return undefined;
  }
}
