// `tessera ssh --profile NAME [--profiles FILE]`: named connection profiles in a YAML (or JSON) file, by default
// $XDG_CONFIG_HOME/tessera/profiles.yaml (else ~/.config/tessera/profiles.yaml). The file maps profile names to
// objects; every field is optional and command-line options override it. Validation is strict: an unknown key or
// a wrong type is a UsageError naming the file, the profile and the field.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as Yaml from 'yaml';
import type { CardAuthKind } from '../identity/index.ts';
import { UsageError } from './command.ts';

export type RevocationPolicy = 'require' | 'prefer' | 'off';

export interface Profile {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  /** "usb" or "sim:PROFILE" (cli/card-login.ts). */
  readonly card?: string;
  readonly cardCa?: readonly string[];
  readonly hostCa?: readonly string[];
  readonly knownHosts?: string;
  readonly relay?: string;
  /** OpenSSH private key files (-i). */
  readonly identities?: readonly string[];
  /** An OpenSSH user certificate for the card key: a file or an http(s) URL. */
  readonly certificate?: string;
  /** The card's auth methods in the order offered (identity/'s CardAuthKind). */
  readonly auth?: readonly CardAuthKind[];
  readonly policy?: { readonly revocation?: RevocationPolicy; readonly allowSha1?: boolean };
}

const AUTH_KINDS: readonly CardAuthKind[] = ['x509v3', 'openssh-certificate', 'publickey'];
const REVOCATION: readonly RevocationPolicy[] = ['require', 'prefer', 'off'];

/** $XDG_CONFIG_HOME/tessera/profiles.yaml, else ~/.config/tessera/profiles.yaml. */
export function defaultProfilesFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.config'), 'tessera', 'profiles.yaml');
}

/**
 * The YAML parser (~260 KB bundled) is required only when a profiles file is read: imported statically, every
 * `tessera ssh` start paid ~12 ms for it (bench/ssh/handshake.ts).
 */
function parse(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof Yaml).parse(text);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads profile `name` from `file` (YAML or JSON, a mapping of names to profiles). */
export function loadProfile(file: string, name: string): Profile {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    throw new UsageError(`cannot read the profiles file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try { doc = parse(text); } catch (err) {
    throw new UsageError(`the profiles file ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new UsageError(`the profiles file ${file} must map profile names to profiles.`);
  if (!Object.hasOwn(doc, name)) {
    const names = Object.keys(doc);
    throw new UsageError(`the profiles file ${file} has no profile '${name}'${names.length > 0 ? ` (it has: ${names.join(', ')})` : ''}.`);
  }
  return parseProfile(doc[name], `profile '${name}' in ${file}`);
}

/** Validates one profile object; `where` names it in error sentences. */
export function parseProfile(raw: unknown, where: string): Profile {
  if (!isObject(raw)) throw new UsageError(`The ${where} must be a mapping of fields.`);
  const bad = (field: string, expected: string): never => { throw new UsageError(`The ${where}: field '${field}' must be ${expected}.`); };
  const str = (field: string): string => {
    const v = raw[field];
    return typeof v === 'string' && v !== '' ? v : bad(field, 'a non-empty string');
  };
  const strings = (field: string): string[] => {
    const v = raw[field];
    if (typeof v === 'string' && v !== '') return [v];
    return Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? v as string[] : bad(field, 'a file name or a list of file names');
  };
  const out: { -readonly [K in keyof Profile]: Profile[K] } = {};
  for (const key of Object.keys(raw)) {
    switch (key) {
      case 'host': case 'user': case 'card': case 'knownHosts': case 'relay': case 'certificate': out[key] = str(key); break;
      case 'cardCa': case 'hostCa': case 'identities': out[key] = strings(key); break;
      case 'port': {
        const v = raw[key];
        out.port = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? v : bad(key, 'a port number from 1 to 65535');
        break;
      }
      case 'auth': {
        const v = raw[key];
        out.auth = Array.isArray(v) && v.length > 0 && v.every((x) => AUTH_KINDS.includes(x as CardAuthKind))
          ? v as CardAuthKind[] : bad(key, `a non-empty list of ${AUTH_KINDS.join(', ')}`);
        break;
      }
      case 'policy': out.policy = parsePolicy(raw[key], where); break;
      default: throw new UsageError(`The ${where} has an unknown field '${key}' (known: host, port, user, card, cardCa, hostCa, knownHosts, relay, identities, certificate, auth, policy).`);
    }
  }
  return out;
}

function parsePolicy(raw: unknown, where: string): NonNullable<Profile['policy']> {
  if (!isObject(raw)) throw new UsageError(`The ${where}: field 'policy' must be a mapping (revocation, allowSha1).`);
  const out: { revocation?: RevocationPolicy; allowSha1?: boolean } = {};
  for (const [key, v] of Object.entries(raw)) {
    if (key === 'revocation') {
      if (!REVOCATION.includes(v as RevocationPolicy)) throw new UsageError(`The ${where}: field 'policy.revocation' must be one of ${REVOCATION.join(', ')}.`);
      out.revocation = v as RevocationPolicy;
    } else if (key === 'allowSha1') {
      if (typeof v !== 'boolean') throw new UsageError(`The ${where}: field 'policy.allowSha1' must be true or false.`);
      out.allowSha1 = v;
    } else {
      throw new UsageError(`The ${where} has an unknown field 'policy.${key}' (known: revocation, allowSha1).`);
    }
  }
  return out;
}
