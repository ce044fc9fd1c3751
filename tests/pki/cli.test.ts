// `tessera pki verify` as a user runs it: exit 0 valid, 1 invalid with reasons, 2 usage or parse error.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkitsDir } from './pkits-suite.ts';
import { NOW, issue } from './test-pki.ts';

const repo = resolve(import.meta.dirname, '..', '..');
const certs = join(pkitsDir(), 'certs');
const crls = join(pkitsDir(), 'crls');
const dir = mkdtempSync(join(tmpdir(), 'tessera-pki-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(repo, 'cli', 'tessera.js'), 'pki', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A PEM chain file: leaf first, then the intermediates. */
function pemChain(...names: string[]): string {
  const pem = names.map((n) => {
    const b64 = readFileSync(join(certs, n)).toString('base64').replace(/.{64}/g, '$&\n');
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  }).join('');
  const path = join(dir, `${names[0]}.pem`);
  writeFileSync(path, pem);
  return path;
}

const anchor = ['--anchor', join(certs, 'TrustAnchorRootCertificate.crt')];
const time = ['--time', '2020-01-01T00:00:00Z'];
const goodCrls = ['--crl', join(crls, 'TrustAnchorRootCRL.crl'), '--crl', join(crls, 'GoodCACRL.crl')];

describe('tessera pki verify', () => {
  it('exits 0 for a valid chain (PEM chain, DER anchor and CRLs)', async () => {
    const r = await tessera('verify', ...anchor, '--chain', pemChain('ValidCertificatePathTest1EE.crt', 'GoodCACert.crt'), ...goodCrls, ...time);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid: Valid EE Certificate Test1; revocation require');
  }, 30_000);

  it('exits 1 with the reason for a revoked certificate', async () => {
    const r = await tessera('verify', ...anchor, '--chain', pemChain('InvalidRevokedEETest3EE.crt', 'GoodCACert.crt'), ...goodCrls, ...time);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('was revoked on 2010-01-01 by Good CA (key compromise). [REVOKED, certificate 0]');
  }, 30_000);

  it('exits 1 when the leaf lacks the EKU asked for, 0 when it has it', async () => {
    const root = await issue('CN=CLI Root', { ca: true });
    const leaf = await issue('CN=web.example', { issuer: root, eku: ['1.3.6.1.5.5.7.3.1'] });
    const rootPem = join(dir, 'cli-root.pem');
    const leafPem = join(dir, 'cli-leaf.pem');
    writeFileSync(rootPem, root.pem);
    writeFileSync(leafPem, leaf.pem);
    const at = ['--time', NOW.toISOString()];
    const r = await tessera('verify', '--anchor', rootPem, '--chain', leafPem, ...at, '--eku', '1.3.6.1.5.5.7.3.21');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('allows only server authentication; this use needs SSH client. [LEAF_EKU, certificate 0]');
    const ok = await tessera('verify', '--anchor', rootPem, '--chain', leafPem, ...at, '--eku', '1.3.6.1.5.5.7.3.1');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid: web.example (for server authentication); revocation off');
  }, 30_000);

  it('exits 2 on usage errors and unreadable input', async () => {
    expect((await tessera('verify', '--chain', 'x')).code).toBe(2);
    expect((await tessera('verify', ...anchor, '--chain', join(certs, 'GoodCACert.crt'), '--time', 'yesterday')).code).toBe(2);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    const r = await tessera('verify', ...anchor, '--chain', garbage);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No CERTIFICATE block was found');
    expect((await tessera('frobnicate')).code).toBe(2);
  }, 60_000);
});
