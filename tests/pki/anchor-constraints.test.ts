// A trust anchor given as a certificate keeps its own constraints (RFC 5937 §3): an enterprise root constrained to
// its own domains, or to issuing end-entity certificates only (pathLen 0), must not vouch beyond them. Before, the
// anchor's name constraints and path length were ignored, so a host certificate for another organisation's name, or
// a sub-CA the root was not allowed to create, validated. `openssl verify` (an independent RFC 5280 implementation
// that applies the anchor's constraints) judges the same chains alike.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { requireExecutable } from '../support/index.ts';
import { NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const openssl = requireExecutable('/usr/bin/openssl', 'Debian package openssl');
const dir = mkdtempSync(join(tmpdir(), 'tessera-pki-anchor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case { readonly name: string; readonly root: Issued; readonly chain: Issued[]; readonly valid: boolean; readonly code?: string }
const cases: Case[] = [];

beforeAll(async () => {
  const constrained = await issue('CN=Example Corp Root', { ca: true, permittedDns: ['example.com'] });
  const sub = await issue('CN=Example Corp Hosts', { ca: true, issuer: constrained });
  cases.push(
    { name: 'inside the root\'s name constraints', root: constrained, chain: [await issue('CN=a.example.com', { issuer: sub, san: [{ type: 'dns', value: 'a.example.com' }] }), sub], valid: true },
    { name: 'outside them, under a sub-CA', root: constrained, chain: [await issue('CN=prod.victim.org', { issuer: sub, san: [{ type: 'dns', value: 'prod.victim.org' }] }), sub], valid: false, code: 'NAME_CONSTRAINTS_VIOLATION' },
    { name: 'outside them, issued by the root', root: constrained, chain: [await issue('CN=mail.victim.org', { issuer: constrained, san: [{ type: 'dns', value: 'mail.victim.org' }] })], valid: false, code: 'NAME_CONSTRAINTS_VIOLATION' },
  );
  const leafOnly = await issue('CN=Leaf-only Root', { ca: true, pathLen: 0 });
  const rogue = await issue('CN=Rogue Sub CA', { ca: true, issuer: leafOnly });
  cases.push(
    { name: 'a leaf under a pathLen 0 root', root: leafOnly, chain: [await issue('CN=direct', { issuer: leafOnly })], valid: true },
    { name: 'a sub-CA under a pathLen 0 root', root: leafOnly, chain: [await issue('CN=under rogue', { issuer: rogue }), rogue], valid: false, code: 'PATH_LENGTH_EXCEEDED' },
  );
}, 60_000);

function opensslVerify(c: Case): Promise<boolean> {
  const file = (name: string, text: string) => {
    const p = join(dir, `${c.name.replace(/\W+/g, '_')}-${name}.pem`);
    writeFileSync(p, text);
    return p;
  };
  const [leaf, ...rest] = c.chain;
  const args = ['verify', '-CAfile', file('root', c.root.pem), '-attime', String(Math.floor(NOW.getTime() / 1000))];
  if (rest.length) args.push('-untrusted', file('untrusted', rest.map((x) => x.pem).join('\n')));
  args.push(file('leaf', leaf!.pem));
  return new Promise((done) => { execFile(openssl, args, { timeout: 20_000 }, (err) => done(err === null)); });
}

describe('a certificate trust anchor\'s own constraints', () => {
  it('apply, as openssl verify applies them', async () => {
    for (const c of cases) {
      const [leaf, ...intermediates] = c.chain;
      const r = await validatePath({ leaf: leaf!.der, intermediates: intermediates.map((x) => x.der), anchors: [c.root.der], time: NOW, revocation: { mode: 'off' } });
      expect(`${c.name}: ${r.valid} ${r.errors.map((e) => e.code).join(',')}`).toBe(`${c.name}: ${c.valid} ${c.code ?? ''}`);
      expect(`${c.name}: openssl ${await opensslVerify(c)}`).toBe(`${c.name}: openssl ${c.valid}`);
    }
  });
});
