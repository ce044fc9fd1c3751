// The same chains judged by `openssl verify`, an independent RFC 5280 implementation: the verdicts agree.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { requireExecutable } from '../support/index.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const openssl = requireExecutable('/usr/bin/openssl', 'Debian package openssl');
const dir = mkdtempSync(join(tmpdir(), 'tessera-pki-openssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Scenario {
  readonly name: string;
  readonly leaf: Issued;
  readonly intermediates: Issued[];
  readonly crls: { der: Uint8Array; pem: string }[];
}

let root: Issued;
const scenarios: Scenario[] = [];

function opensslVerify(s: Scenario): Promise<boolean> {
  const file = (name: string, text: string) => {
    const p = join(dir, `${s.name.replace(/\W+/g, '_')}-${name}.pem`);
    writeFileSync(p, text);
    return p;
  };
  const args = ['verify', '-CAfile', file('root', root.pem), '-attime', String(Math.floor(NOW.getTime() / 1000))];
  if (s.intermediates.length) args.push('-untrusted', file('untrusted', s.intermediates.map((c) => c.pem).join('\n')));
  if (s.crls.length) args.push('-crl_check_all', '-CRLfile', file('crls', s.crls.map((c) => c.pem).join('\n')));
  args.push(file('leaf', s.leaf.pem));
  return new Promise((done) => {
    execFile(openssl, args, { timeout: 20_000 }, (err) => done(err === null));
  });
}

beforeAll(async () => {
  root = await issue('CN=Cross-check Root', { ca: true });
  const inter = await issue('CN=Cross-check CA', { ca: true, issuer: root });
  const rootCrl = await crl(root);
  const interCrl = await crl(inter);
  const base = { intermediates: [inter], crls: [rootCrl, interCrl] };
  scenarios.push({ name: 'valid', leaf: await issue('CN=ok', { issuer: inter }), ...base });
  scenarios.push({ name: 'expired', leaf: await issue('CN=old', { issuer: inter, notAfter: new Date(NOW.getTime() - DAY_MS) }), ...base });
  scenarios.push({ name: 'not yet valid', leaf: await issue('CN=new', { issuer: inter, notBefore: new Date(NOW.getTime() + DAY_MS) }), ...base });
  const revokedLeaf = await issue('CN=revoked', { issuer: inter });
  scenarios.push({ name: 'revoked', leaf: revokedLeaf, intermediates: [inter], crls: [rootCrl, await crl(inter, { revoked: [{ serial: revokedLeaf.cert.serialNumber, date: new Date(NOW.getTime() - DAY_MS) }] })] });
  scenarios.push({ name: 'missing CRL', leaf: await issue('CN=nocrl', { issuer: inter }), intermediates: [inter], crls: [rootCrl] });
  const pl0 = await issue('CN=PathLen0 CA', { ca: true, issuer: root, pathLen: 0 });
  const sub = await issue('CN=Sub CA', { ca: true, issuer: pl0 });
  scenarios.push({ name: 'path length', leaf: await issue('CN=deep', { issuer: sub }), intermediates: [pl0, sub], crls: [rootCrl, await crl(pl0), await crl(sub)] });
  const nc = await issue('CN=NC CA', { ca: true, issuer: root, permittedDns: ['example.com'] });
  const ncCrl = await crl(nc);
  scenarios.push({ name: 'name constraints ok', leaf: await issue('CN=in', { issuer: nc, san: [{ type: 'dns', value: 'a.example.com' }] }), intermediates: [nc], crls: [rootCrl, ncCrl] });
  scenarios.push({ name: 'name constraints violated', leaf: await issue('CN=out', { issuer: nc, san: [{ type: 'dns', value: 'a.example.net' }] }), intermediates: [nc], crls: [rootCrl, ncCrl] });
  scenarios.push({ name: 'unknown critical extension', leaf: await issue('CN=crit', { issuer: inter, extra: [new x509.Extension('1.3.6.1.4.1.99999.7', true, new Uint8Array([5, 0]))] }), ...base });
  const notCa = await issue('CN=Not a CA', { issuer: root });
  scenarios.push({ name: 'issuer not a CA', leaf: await issue('CN=under', { issuer: notCa }), intermediates: [notCa], crls: [rootCrl, await crl(notCa)] });
}, 60_000);

describe('openssl verify agrees', () => {
  it('on every scenario', async () => {
    const verdicts: string[] = [];
    for (const s of scenarios) {
      const ours = await validatePath({
        leaf: s.leaf.der, intermediates: s.intermediates.map((c) => c.der), anchors: [root.der], time: NOW,
        revocation: { mode: 'require', crls: s.crls.map((c) => c.der) },
      });
      const theirs = await opensslVerify(s);
      verdicts.push(`${s.name}: tessera ${ours.valid ? 'valid' : 'invalid'}, openssl ${theirs ? 'valid' : 'invalid'}`);
    }
    expect(verdicts).toEqual(scenarios.map((s) => {
      const v = ['valid', 'name constraints ok'].includes(s.name) ? 'valid' : 'invalid';
      return `${s.name}: tessera ${v}, openssl ${v}`;
    }));
  }, 60_000);
});
