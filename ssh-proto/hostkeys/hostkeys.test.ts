// known_hosts and host certificates checked against real ssh-keygen: -H (hashing), -F (lookup), -lf (fingerprints),
// -s/-h (host certificates), -L (certificate contents).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fingerprintSha256, parseCertificate } from '../keys/index.ts';
import {
  checkHostKey, createHostKeyVerifier, entriesForHost, formatKnownHostsLine, HostKeyError, matchPatternList,
  parseKnownHosts, preferredHostKeyAlgorithms,
} from './index.ts';

const KEYGEN = '/usr/bin/ssh-keygen';
if (!existsSync(KEYGEN)) throw new Error(`${KEYGEN} is missing: install openssh-client (scripts/setup.sh)`);
let dir: string;
const keygen = (...args: string[]) => execFileSync(KEYGEN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const pubOf = (f: string) => readFileSync(`${f}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
const blobOf = (f: string) => Buffer.from(readFileSync(f, 'utf8').trim().split(' ')[1]!, 'base64');
const path = (n: string) => join(dir, n);
const newKey = (name: string, type: string[]) => { keygen('-q', '-N', '', '-f', path(name), ...type); return path(name); };

let ed: string, ecdsa: string, rsa: string, other: string, ca: string, rsaCa: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-hostkeys-'));
  ed = newKey('host_ed25519', ['-t', 'ed25519']);
  ecdsa = newKey('host_ecdsa', ['-t', 'ecdsa']);
  rsa = newKey('host_rsa', ['-t', 'rsa', '-b', '2048']);
  other = newKey('other_ed25519', ['-t', 'ed25519']);
  ca = newKey('ca', ['-t', 'ed25519']);
  rsaCa = newKey('rsa_ca', ['-t', 'rsa', '-b', '2048']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function knownHostsText(): string {
  return [
    '# a comment, then a blank line',
    '',
    `host.example,10.0.0.1 ${pubOf(ed)} plain entry`,
    `[host.example]:2222 ${pubOf(ecdsa)}`,
    `*.wild.example,!bad.wild.example ${pubOf(rsa)}`,
    `@cert-authority *.example ${pubOf(ca)}`,
    `@revoked * ${pubOf(other)}`,
    'garbage line',
  ].join('\n');
}

describe('known_hosts format', () => {
  it('finds the same lines as ssh-keygen -F, before and after ssh-keygen -H hashes the file', async () => {
    const f = path('known_hosts');
    writeFileSync(f, knownHostsText());
    const lookups: [string, number][] = [['host.example', 22], ['10.0.0.1', 22], ['host.example', 2222], ['a.wild.example', 22], ['bad.wild.example', 22], ['nope.test', 22]];
    const expected = lookups.map(([h, p]) => {
      const name = p === 22 ? h : `[${h}]:${p}`;
      let out = '';
      try { out = keygen('-F', name, '-f', f); } catch { /* exit 1: not found */ }
      return [...out.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    });
    const kh = parseKnownHosts(knownHostsText());
    expect(kh.errors).toEqual([{ line: 8, message: expect.any(String) }]);
    const ours = await Promise.all(lookups.map(async ([h, p]) => (await entriesForHost(kh, h, p)).filter((e) => e.marker !== 'revoked').map((e) => e.line)));
    expect(ours).toEqual(expected.map((lines) => lines.filter((l) => l !== 7)));
    expect(expected[0]).toContain(3);
    expect(expected[4]).not.toContain(5); // negation

    // ssh-keygen -H refuses files with wildcards: hash the plain lines only.
    const plain = path('known_hosts_plain');
    writeFileSync(plain, knownHostsText().split('\n').slice(2, 4).join('\n'));
    keygen('-H', '-f', plain);
    const hashed = parseKnownHosts(readFileSync(plain, 'utf8'));
    expect(hashed.entries.length).toBe(3); // "host.example,10.0.0.1" becomes one hashed line per name
    expect(hashed.entries.every((e) => e.hashed)).toBe(true);
    for (const [h, p] of [['host.example', 22], ['10.0.0.1', 22], ['HOST.example', 2222]] as const) {
      expect(await entriesForHost(hashed, h, p)).toHaveLength(1);
    }
    expect(await entriesForHost(hashed, 'host.example', 2223)).toHaveLength(0);
    await expect(checkHostKey({ knownHosts: hashed, host: 'host.example', port: 2222 }, { algorithm: 'ecdsa-sha2-nistp256', blob: blobOf(`${ecdsa}.pub`) }))
      .resolves.toMatchObject({ via: 'known-key' });
  });

  it('fingerprints every line exactly as ssh-keygen -lf', async () => {
    const f = path('known_hosts_fp');
    writeFileSync(f, knownHostsText().split('\n').filter((l) => !l.startsWith('garbage')).join('\n'));
    const theirs = keygen('-l', '-E', 'sha256', '-f', f).trim().split('\n').map((l) => l.split(' ')[1]);
    // ssh-keygen -lf lists the lines without a marker.
    const ours = await Promise.all(parseKnownHosts(readFileSync(f, 'utf8')).entries.filter((e) => !e.marker).map((e) => fingerprintSha256(e.key)));
    expect(ours).toHaveLength(3);
    expect(ours).toEqual(theirs);
  });

  it('writes hashed and plain lines that ssh-keygen -F finds', async () => {
    const f = path('remembered');
    const lines = [
      await formatKnownHostsLine({ host: 'Saved.Example', key: blobOf(`${ed}.pub`), hash: true }),
      await formatKnownHostsLine({ host: 'plain.example', port: 2200, key: blobOf(`${rsa}.pub`), comment: 'added by Tessera' }),
    ];
    writeFileSync(f, `${lines.join('\n')}\n`);
    expect(keygen('-F', 'saved.example', '-f', f)).toMatch(/found: line 1/);
    expect(keygen('-F', '[plain.example]:2200', '-f', f)).toMatch(/found: line 2/);
    expect(lines[1]).toMatch(/^\[plain\.example\]:2200 ssh-rsa AAAA\S+ added by Tessera$/);
  });

  it('pattern lists: wildcards, ?, negation wins, case-insensitive; no blow-up on hostile patterns', () => {
    expect(matchPatternList('Web1.Example', 'web?.example')).toBe(1);
    expect(matchPatternList('web10.example', 'web?.example')).toBe(0);
    expect(matchPatternList('bad.wild.example', '*.wild.example,!bad.*')).toBe(-1);
    expect(matchPatternList('a'.repeat(200), `${'*a'.repeat(50)}b`)).toBe(0);
    fc.assert(fc.property(fc.string(), fc.string(), (s, p) => { expect([1, 0, -1]).toContain(matchPatternList(s, p)); }));
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => {
      const kh = parseKnownHosts(t);
      expect(kh.entries.length + kh.errors.length).toBeLessThanOrEqual(t.split('\n').length);
    }));
  });
});

describe('host key decisions', () => {
  const info = (f: string, algorithm?: string) => ({ algorithm: algorithm ?? readFileSync(`${f}.pub`, 'utf8').split(' ')[0]!, blob: blobOf(`${f}.pub`) });

  it('accepts a known key, on the right port only', async () => {
    const kh = knownHostsText();
    await expect(checkHostKey({ knownHosts: kh, host: 'host.example' }, info(ed))).resolves.toMatchObject({ via: 'known-key', line: 3 });
    await expect(checkHostKey({ knownHosts: kh, host: 'host.example', port: 2222 }, info(ecdsa))).resolves.toMatchObject({ line: 4 });
    await expect(checkHostKey({ knownHosts: kh, host: 'x.wild.example' }, info(rsa, 'rsa-sha2-512'))).resolves.toMatchObject({ line: 5 });
  });

  it('UNKNOWN carries the fingerprint ssh-keygen prints; CHANGED is a hard stop naming old and new', async () => {
    const verify = createHostKeyVerifier({ knownHosts: knownHostsText(), host: 'new.test' });
    const unknown = await verify(info(ecdsa)).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(HostKeyError);
    const fp = keygen('-l', '-E', 'sha256', '-f', `${ecdsa}.pub`).split(' ')[1];
    expect(unknown).toMatchObject({ code: 'HOST_KEY_UNKNOWN', fingerprint: fp, keyType: 'ecdsa-sha2-nistp256', known: [] });
    expect((unknown as Error).message).toContain(fp);

    const changedKh = `host.example ${pubOf(newKey('replaced', ['-t', 'ed25519']))}\n`;
    const changed = await checkHostKey({ knownHosts: changedKh, host: 'host.example' }, info(ed)).catch((e: unknown) => e);
    expect(changed).toMatchObject({ code: 'HOST_KEY_CHANGED', known: [{ line: 1, keyType: 'ssh-ed25519' }] });
    expect((changed as Error).message).toMatch(/CHANGED/);

    // Known with another type only: UNKNOWN, but the known types are listed so the UI can warn.
    const otherType = await checkHostKey({ knownHosts: knownHostsText(), host: 'host.example' }, info(rsa, 'rsa-sha2-256')).catch((e: unknown) => e);
    expect(otherType).toMatchObject({ code: 'HOST_KEY_UNKNOWN', known: [{ keyType: 'ssh-ed25519', line: 3 }] });
  });

  it('REVOKED wins over everything', async () => {
    const kh = `${knownHostsText()}\nhost.example ${pubOf(other)}\n`;
    await expect(checkHostKey({ knownHosts: kh, host: 'host.example' }, info(other))).rejects.toMatchObject({ code: 'HOST_KEY_REVOKED', known: [{ line: 7 }] });
  });

  it('orders host-key algorithms so known types come first', async () => {
    const algs = ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512'];
    // y.wild.example: an ssh-rsa key (line 5) and a CA (*.example) are known.
    expect(await preferredHostKeyAlgorithms(knownHostsText(), 'y.wild.example', 22, algs))
      .toEqual(['ssh-ed25519-cert-v01@openssh.com', 'rsa-sha2-512', 'ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });
});

describe('host certificates through @cert-authority (PROTOCOL.certkeys)', () => {
  function sign(key: string, caKey: string, args: string[]): string {
    keygen('-q', '-s', caKey, ...args, `${key}.pub`);
    return `${key}-cert.pub`;
  }
  const certInfo = (certFile: string) => {
    const [algorithm, b64] = readFileSync(certFile, 'utf8').split(' ');
    return { algorithm: algorithm!, blob: Buffer.from(b64!, 'base64') };
  };

  it.each([['ed25519 CA', () => ca], ['rsa CA (rsa-sha2-512)', () => rsaCa]])('parses what ssh-keygen -L shows and trusts it (%s)', async (_n, caKey) => {
    for (const key of [ed, ecdsa, rsa]) {
      const certFile = sign(key, caKey(), ['-h', '-I', 'host id', '-z', '42', '-n', 'srv.example,*.lab.example', '-V', '-5m:+1h']);
      const cert = parseCertificate(certInfo(certFile).blob);
      const shown = keygen('-L', '-f', certFile);
      expect(shown).toMatch(/Type: \S+ host certificate/);
      expect(shown).toContain(`Key ID: "${cert.keyId}"`);
      expect(shown).toContain(`Serial: ${cert.serial}`);
      expect(cert).toMatchObject({ certType: 'host', keyId: 'host id', serial: 42n, principals: ['srv.example', '*.lab.example'] });
      expect(shown).toContain(`Signing CA: ${shown.match(/Signing CA: (\S+ SHA256:\S+)/)![1]}`);
      expect(shown).toContain(await fingerprintSha256(cert.signatureKey));
      const kh = `@cert-authority *.example,*.lab.example ${pubOf(caKey())}\n`;
      const alg = certInfo(certFile).algorithm.replace(/^ssh-rsa-cert/, 'rsa-sha2-512-cert');
      await expect(checkHostKey({ knownHosts: kh, host: 'srv.example' }, { ...certInfo(certFile), algorithm: alg })).resolves.toMatchObject({ via: 'cert-authority', certificate: { keyId: 'host id', serial: 42n } });
      await expect(checkHostKey({ knownHosts: kh, host: 'db.lab.example' }, certInfo(certFile))).resolves.toMatchObject({ via: 'cert-authority' });
    }
  });

  it('HOST_CERT_INVALID: wrong principal, expired, not yet valid, user certificate, forged signature', async () => {
    const kh = `@cert-authority * ${pubOf(ca)}\n`;
    const check = (certFile: string, host = 'srv.example', now?: number) =>
      checkHostKey({ knownHosts: kh, host, ...(now ? { now: () => now } : {}) }, certInfo(certFile)).catch((e: unknown) => e);

    const good = sign(ed, ca, ['-h', '-I', 'id', '-n', 'srv.example', '-V', '20300101:20300201']);
    expect(await check(good, 'srv.example', Date.UTC(2030, 0, 15) / 1000)).toMatchObject({ via: 'cert-authority' });
    expect(await check(good, 'other.example', Date.UTC(2030, 0, 15) / 1000)).toMatchObject({ code: 'HOST_CERT_INVALID', reasons: [expect.stringMatching(/not other\.example/)] });
    expect(await check(good, 'srv.example', Date.UTC(2031, 0, 1) / 1000)).toMatchObject({ code: 'HOST_CERT_INVALID', reasons: [expect.stringMatching(/expired/)] });
    expect(await check(good)).toMatchObject({ code: 'HOST_CERT_INVALID', reasons: [expect.stringMatching(/not valid before/)] });

    const user = sign(ecdsa, ca, ['-I', 'user', '-n', 'srv.example']);
    expect(await check(user)).toMatchObject({ code: 'HOST_CERT_INVALID', reasons: [expect.stringMatching(/user certificate/)] });

    const forged = certInfo(sign(rsa, ca, ['-h', '-I', 'id', '-n', 'srv.example']));
    const blob = Buffer.from(forged.blob);
    blob[blob.length - 5]! ^= 1; // inside the Ed25519 signature
    expect(await checkHostKey({ knownHosts: kh, host: 'srv.example' }, { ...forged, blob }).catch((e: unknown) => e))
      .toMatchObject({ code: 'HOST_CERT_INVALID', reasons: [expect.stringMatching(/signature/)] });
  });

  it('a certificate not valid before a time beyond Date\'s range is HOST_CERT_INVALID, not a RangeError', async () => {
    // ssh-keygen signs any uint64 start time (0x... is raw seconds); new Date() of it is an Invalid Date.
    const certFile = sign(ed, ca, ['-h', '-I', 'id', '-n', 'srv.example', '-V', '0x7000000000000000:forever']);
    const e = await checkHostKey({ knownHosts: `@cert-authority * ${pubOf(ca)}\n`, host: 'srv.example' }, certInfo(certFile)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostKeyError);
    expect(e).toMatchObject({ code: 'HOST_CERT_INVALID', reasons: ['it is not valid before 8070450532247928832 s after 1970'] });
  });

  it('an untrusted CA falls back to the plain key, and a revoked CA is refused', async () => {
    const certFile = sign(ed, ca, ['-h', '-I', 'id', '-n', 'host.example']);
    await expect(checkHostKey({ knownHosts: knownHostsText().replace(/@cert-authority.*\n/, ''), host: 'host.example' }, certInfo(certFile)))
      .resolves.toMatchObject({ via: 'known-key', line: 3 });
    await expect(checkHostKey({ knownHosts: `@revoked * ${pubOf(ca)}\n@cert-authority * ${pubOf(ca)}\n`, host: 'host.example' }, certInfo(certFile)))
      .rejects.toMatchObject({ code: 'HOST_KEY_REVOKED' });
  });

  it('corrupted certificates give typed errors', () => {
    const blob = certInfo(sign(ecdsa, ca, ['-h', '-I', 'id', '-n', 'x'])).blob;
    fc.assert(fc.property(fc.nat(blob.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = Buffer.from(blob);
      bad[at]! ^= x;
      try {
        parseCertificate(bad);
      } catch (e) {
        expect(e).toMatchObject({ code: expect.stringMatching(/^(CERT_MALFORMED|KEY_UNSUPPORTED)$/) });
      }
    }), { numRuns: 300 });
  });
});
