/** `tessera pki verify`: validates a certificate chain with pki/ (RFC 5280, CRL, OCSP). Exit 0 valid, 1 invalid, 2 usage or parse error. */
import { readFileSync } from 'node:fs';
import { PkiParseError, cardIdentity, decodePemOrDer, ekuName, parseCertificate, validatePath } from '../pki/index.ts';
import type { RevocationMode } from '../pki/index.ts';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';

const USAGE = `usage: tessera pki verify --anchor A.pem [--anchor ...] --chain chain.pem
         [--crl f.crl ...] [--ocsp resp.der ...] [--time ISO-8601] [--eku OID ...]
         [--revocation require|prefer|off] [--allow-sha1]

  --chain     the end certificate first, then any intermediates (PEM or DER)
  --eku       the leaf must allow this extended key usage (repeatable: all of them);
              a leaf without the extension allows any (RFC 5280 §4.2.1.12)
  --revocation  default: require when --crl or --ocsp is given, else off`;

interface Options {
  anchors: string[];
  chain?: string;
  crls: string[];
  ocsp: string[];
  time?: Date;
  ekus: string[];
  revocation?: RevocationMode;
  allowSha1: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const o: Options = { anchors: [], crls: [], ocsp: [], ekus: [], allowSha1: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    if (flag === '--allow-sha1') {
      o.allowSha1 = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value\n${USAGE}`);
    i++;
    switch (flag) {
      case '--anchor': o.anchors.push(value); break;
      case '--chain': o.chain = value; break;
      case '--crl': o.crls.push(value); break;
      case '--ocsp': o.ocsp.push(value); break;
      case '--eku':
        if (!/^\d+(\.\d+)+$/.test(value)) throw new UsageError(`--eku wants an OID such as 1.3.6.1.5.5.7.3.2, not "${value}"`);
        o.ekus.push(value);
        break;
      case '--time': {
        const t = new Date(value);
        if (Number.isNaN(t.getTime())) throw new UsageError(`--time wants an ISO 8601 time such as 2026-03-01T12:00:00Z, not "${value}"`);
        o.time = t;
        break;
      }
      case '--revocation':
        if (value !== 'require' && value !== 'prefer' && value !== 'off') throw new UsageError('--revocation is require, prefer or off');
        o.revocation = value;
        break;
      default: throw new UsageError(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (o.anchors.length === 0 || !o.chain) throw new UsageError(`--anchor and --chain are required\n${USAGE}`);
  return o;
}

function read(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Every certificate in a PEM or DER file, parsed now so a bad file is a usage error (exit 2). */
function certificates(path: string): Uint8Array[] {
  try {
    const ders = decodePemOrDer(read(path), 'CERTIFICATE').filter((d) => d.length > 0);
    for (const d of ders) parseCertificate(d);
    return ders;
  } catch (err) {
    if (err instanceof PkiParseError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

async function verify(args: readonly string[]): Promise<number> {
  const o = parseArgs(args);
  const anchors = o.anchors.flatMap(certificates);
  const [leaf, ...intermediates] = certificates(o.chain as string);
  if (!leaf) throw new UsageError(`${o.chain} holds no certificate`);
  const crls = o.crls.flatMap((p) => decodePemOrDer(read(p), undefined));
  const ocspResponses = o.ocsp.map(read);
  const mode: RevocationMode = o.revocation ?? (crls.length + ocspResponses.length > 0 ? 'require' : 'off');
  const result = await validatePath({
    leaf, intermediates, anchors,
    ...(o.time ? { time: o.time } : {}),
    policy: { allowSha1: o.allowSha1, ...(o.ekus.length ? { leaf: { requiredEkus: o.ekus } } : {}) },
    revocation: { mode, crls, ocspResponses },
  });
  const out = process.stdout;
  if (result.path.length > 0) {
    out.write('path:\n');
    result.path.forEach((c, i) => out.write(`  ${i}: ${c.subject.text}${i === result.path.length - 1 ? ' (trust anchor)' : ''}\n`));
  }
  for (const w of result.warnings) out.write(`warning: ${w.detail} [${w.code}]\n`);
  if (result.valid) {
    const id = cardIdentity(result.path[0] ?? parseCertificate(leaf));
    const who = [id.commonName, ...id.upn.map((u) => `UPN ${u}`), ...id.emails.map((e) => `email ${e}`)].join(', ');
    out.write(`valid: ${who}${o.ekus.length ? ` (for ${o.ekus.map(ekuName).join(' and ')})` : ''}; revocation ${mode}\n`);
    return 0;
  }
  out.write('invalid:\n');
  for (const e of result.errors) out.write(`  - ${e.detail} [${e.code}${e.certIndex === undefined ? '' : `, certificate ${e.certIndex}`}]\n`);
  return 1;
}

export const command: Command = {
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === '--help' || sub === '-h' || rest.includes('--help')) throw new HelpRequested(USAGE);
    if (sub === 'verify') {
      try {
        return await verify(rest);
      } catch (err) {
        if (err instanceof PkiParseError) throw new UsageError(err.message);
        throw err;
      }
    }
    throw new UsageError(USAGE);
  },
};
