// The target allowlist: which host:port a WebSocket may be joined to.
//
// Rule syntax, one string per rule, `HOST:PORTS`:
//   HOST  = a hostname (`ssh.example.com`), a wildcard (`*.corp.example.com`, or `*` for any
//           name), an IPv4 address or CIDR (`10.1.0.0/16`), or an IPv6 one in brackets
//           (`[fd00::1]`, `[fd00::]/8`);
//   PORTS = `22`, a list `22,2222`, a range `2200-2299`, or `*`.
// Name rules match the name the client asked for; address rules (IP/CIDR) match the address
// the name resolved to. Private, loopback and link-local addresses (address.ts) are refused
// unless explicitly allowed: by an address rule that contains them, by `allowPrivate`
// ranges, or (loopback only) by a rule naming `localhost` itself.
import { CidrSet, isLoopback, isNonPublic, normalizeIp } from './address.ts';
import { RelayConfigError } from './errors.ts';

type PortSet = '*' | ReadonlyArray<readonly [number, number]>;

interface NameRule { readonly kind: 'name'; readonly text: string; readonly pattern: string; readonly ports: PortSet }
interface AddressRule { readonly kind: 'address'; readonly text: string; readonly range: CidrSet; readonly ports: PortSet }
type Rule = NameRule | AddressRule;

/** The outcome for one resolved address. */
export type AddressVerdict = 'allowed' | 'TARGET_FORBIDDEN' | 'PRIVATE_ADDRESS';

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower-cases a hostname and drops a trailing dot; undefined when it is not a valid name. */
export function normalizeHostname(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  return HOSTNAME.test(h) ? h : undefined;
}

function parsePorts(text: string, rule: string): PortSet {
  if (text === '*') return '*';
  const ranges: Array<readonly [number, number]> = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part.trim());
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo < 1 || hi > 65535 || lo > hi) {
      throw new RelayConfigError(`The allowlist rule '${rule}' has an invalid port '${part}': use 22, 22,2222, 2200-2299 or *.`);
    }
    ranges.push([lo, hi]);
  }
  return ranges;
}

function portMatches(ports: PortSet, port: number): boolean {
  return ports === '*' || ports.some(([lo, hi]) => port >= lo && port <= hi);
}

function parseRule(text: string): Rule {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new RelayConfigError(`The allowlist rule '${text}' needs a port: write HOST:PORT, e.g. 'localhost:22'.`);
  const hostText = text.slice(0, colon).trim();
  const ports = parsePorts(text.slice(colon + 1).trim(), text);
  const bracketed = /^\[([^\]]+)\](\/\d+)?$/.exec(hostText);
  const addressText = bracketed ? `${bracketed[1]}${bracketed[2] ?? ''}` : hostText;
  if (bracketed || /^[\d.]+(\/\d+)?$/.test(hostText)) {
    const range = new CidrSet();
    if (!range.add(addressText)) throw new RelayConfigError(`The allowlist rule '${text}' has an invalid address or CIDR '${hostText}'.`);
    return { kind: 'address', text, range, ports };
  }
  if (hostText === '*') return { kind: 'name', text, pattern: '*', ports };
  const wildcard = hostText.startsWith('*.');
  const name = normalizeHostname(wildcard ? hostText.slice(2) : hostText);
  if (!name) throw new RelayConfigError(`The allowlist rule '${text}' has an invalid host name '${hostText}'.`);
  return { kind: 'name', text, pattern: wildcard ? `*.${name}` : name, ports };
}

function nameMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

/** `*` also admits IP literals (public ones only, see check); other name rules match names only. */
function nameRuleMatches(rule: NameRule, host: string, isName: boolean): boolean {
  return isName ? nameMatches(rule.pattern, host) : rule.pattern === '*';
}

export class TargetAllowlist {
  private readonly rules: readonly Rule[];
  private readonly privateRanges = new CidrSet();

  /** Throws RelayConfigError naming the bad rule. */
  constructor(rules: readonly string[], allowPrivate: readonly string[] = []) {
    this.rules = rules.map(parseRule);
    for (const cidr of allowPrivate) {
      if (!this.privateRanges.add(cidr)) throw new RelayConfigError(`The allowPrivate range '${cidr}' is not a valid address or CIDR.`);
    }
  }

  /**
   * Whether a request for host:port can succeed at all (checked before any DNS lookup, so
   * the relay never resolves names nobody allowed). `host` is a normalised name or IP.
   */
  admits(host: string, port: number): boolean {
    const ip = normalizeIp(host);
    return this.rules.some((r) => portMatches(r.ports, port)
      && (r.kind === 'address' ? (ip === undefined || r.range.has(ip.address)) : nameRuleMatches(r, host, ip === undefined)));
  }

  /** The verdict for one address that `host` resolved to (or `host` itself when it is an IP). */
  check(host: string, port: number, address: string): AddressVerdict {
    const isName = normalizeIp(host) === undefined;
    let sawName: NameRule | undefined;
    for (const r of this.rules) {
      if (!portMatches(r.ports, port)) continue;
      // An address rule names its range explicitly: private addresses inside it are allowed.
      if (r.kind === 'address' && r.range.has(address)) return 'allowed';
      if (r.kind === 'name' && nameRuleMatches(r, host, isName)) {
        if (!isNonPublic(address) || this.privateRanges.has(address)) return 'allowed';
        if (r.pattern === 'localhost' && isLoopback(address)) return 'allowed';
        sawName = r;
      }
    }
    return sawName ? 'PRIVATE_ADDRESS' : 'TARGET_FORBIDDEN';
  }
}
