// The PKITS runner on another folder laid out the same way (certs/, crls/, tests.json), with the optional `time` and `eku` fields.
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { judge, loadPkits } from './pkits-suite.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-pkits-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('honours time and eku, and judges each run', async () => {
  const root = await issue('CN=Layout Root', { ca: true });
  const leaf = await issue('CN=card', { issuer: root, eku: ['1.3.6.1.5.5.7.3.2'], notAfter: new Date(NOW.getTime() + 10 * DAY_MS) });
  const rootCrl = await crl(root, { nextUpdate: new Date(NOW.getTime() + 400 * DAY_MS) });
  mkdirSync(join(dir, 'certs'));
  mkdirSync(join(dir, 'crls'));
  writeFileSync(join(dir, 'certs', 'root.crt'), root.der);
  writeFileSync(join(dir, 'certs', 'leaf.crt'), leaf.der);
  writeFileSync(join(dir, 'crls', 'root.crl'), rootCrl.der);
  const base = { certs: ['root.crt', 'leaf.crt'], crls: ['root.crl'], initialPolicySet: ['2.5.29.32.0'], initialExplicitPolicy: false, initialPolicyMappingInhibit: false, initialInhibitAnyPolicy: false };
  const tests = [
    { name: '1 valid now', number: '1', ...base, shouldValidate: true, time: NOW.toISOString() },
    { name: '2 expired later', number: '2', ...base, shouldValidate: false, time: new Date(NOW.getTime() + 30 * DAY_MS).toISOString() },
    { name: '3 clientAuth allowed', number: '3', ...base, shouldValidate: true, time: NOW.toISOString(), eku: ['1.3.6.1.5.5.7.3.2'] },
    { name: '4 secureShellClient not allowed', number: '4', ...base, shouldValidate: false, time: NOW.toISOString(), eku: ['1.3.6.1.5.5.7.3.21'] },
    // Deliberately wrong expectation: the runner must report it as failed.
    { name: '5 wrong expectation', number: '5', ...base, shouldValidate: false, time: NOW.toISOString() },
  ];
  writeFileSync(join(dir, 'tests.json'), JSON.stringify({ tests }));
  const outcomes = [];
  for (const t of loadPkits(dir)) outcomes.push((await judge(t)).kind);
  expect(outcomes).toEqual(['passed', 'passed', 'passed', 'passed', 'failed']);
}, 30_000);
