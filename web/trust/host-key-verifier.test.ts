import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_HOST_KEY } from '../../ssh-proto/index.ts';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../storage/record-store.ts';
import { createHostKeyVerifier, hostKeyAlgorithmsFor, userEntryKey, type HostKeyQuestion } from './host-key-verifier.ts';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.ts';

function ed25519Blob(): Uint8Array {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return new Uint8Array(Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), der.subarray(der.length - 32)]));
}

function ecdsaBlob(): Uint8Array {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const field = (b: Buffer) => { const len = Buffer.alloc(4); len.writeUInt32BE(b.length); return Buffer.concat([len, b]); };
  return new Uint8Array(Buffer.concat([field(Buffer.from('ecdsa-sha2-nistp256')), field(Buffer.from('nistp256')), field(point)]));
}

const b64 = (blob: Uint8Array) => Buffer.from(blob).toString('base64');

/** Puts known_hosts lines into a user store, as App.importKnownHosts does. */
async function userLines(store: MemoryStore<KnownHostEntry>, text: string): Promise<void> {
  for (const e of parseKnownHosts(text)) await store.put(userEntryKey(e), e);
}

function setup(o: { tofu: boolean; answer?: 'once' | 'remember' | 'refuse'; site?: string; kiosk?: boolean }) {
  const asked: HostKeyQuestion[] = [];
  const store = new MemoryStore<KnownHostEntry>();
  const verify = createHostKeyVerifier({
    host: 'srv', port: 2222, siteEntries: parseKnownHosts(o.site ?? ''), ...(o.kiosk ? {} : { userStore: store }),
    trustOnFirstUse: o.tofu, canRemember: true,
    ask: async (q) => { asked.push(q); return o.answer ?? 'refuse'; },
  });
  return { asked, store, verify };
}

describe('host-key decisions (fail closed)', () => {
  it('remember stores the key; the next connection is accepted without a prompt', async () => {
    const key = ed25519Blob();
    const s = setup({ tofu: true, answer: 'remember' });
    await s.verify({ algorithm: 'ssh-ed25519', blob: key });
    expect(s.asked[0]).toMatchObject({ kind: 'unknown', keyType: 'ssh-ed25519' });
    expect(s.asked[0]!.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await s.store.list()).toHaveLength(1);
    await s.verify({ algorithm: 'ssh-ed25519', blob: key });
    expect(s.asked).toHaveLength(1);
  });

  it('accept once does not store; refuse throws HOST_KEY_REFUSED', async () => {
    const once = setup({ tofu: true, answer: 'once' });
    await once.verify({ algorithm: 'ssh-ed25519', blob: ed25519Blob() });
    expect(await once.store.list()).toHaveLength(0);
    const no = setup({ tofu: true, answer: 'refuse' });
    await expect(no.verify({ algorithm: 'ssh-ed25519', blob: ed25519Blob() })).rejects.toMatchObject({ code: 'HOST_KEY_REFUSED' });
  });

  it('without trust on first use an unknown key is refused with no prompt', async () => {
    const s = setup({ tofu: false, answer: 'remember' });
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: ed25519Blob() })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect(s.asked).toHaveLength(0);
  });

  it('a changed key is a hard stop even if the user would accept', async () => {
    const old = ed25519Blob();
    const s = setup({ tofu: true, answer: 'remember', site: `[srv]:2222 ssh-ed25519 ${Buffer.from(old).toString('base64')}` });
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: ed25519Blob() })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect(s.asked[0]).toMatchObject({ kind: 'changed' });
    expect(s.asked[0]!.knownFingerprint).toMatch(/^SHA256:/);
    await s.verify({ algorithm: 'ssh-ed25519', blob: old });
  });

  it('a revoked key is refused', async () => {
    const k = ed25519Blob();
    const s = setup({ tofu: true, answer: 'remember', site: `@revoked * ssh-ed25519 ${Buffer.from(k).toString('base64')}` });
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: k })).rejects.toMatchObject({ code: 'HOST_KEY_REVOKED' });
  });

  it('the site\'s key for a host wins over a user line for it: an imported key cannot replace a provisioned one', async () => {
    const provisioned = ed25519Blob();
    const planted = ed25519Blob();
    const s = setup({ tofu: true, answer: 'remember', site: `[srv]:2222 ssh-ed25519 ${b64(provisioned)}` });
    await userLines(s.store, `[srv]:2222 ssh-ed25519 ${b64(planted)}`);
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: planted })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect(s.asked[0]).toMatchObject({ kind: 'changed' });
    await s.verify({ algorithm: 'ssh-ed25519', blob: provisioned });
  });

  it('kiosk: only the site\'s lines count; lines in the user store are not consulted', async () => {
    const key = ed25519Blob();
    const s = setup({ tofu: false, kiosk: true });
    await userLines(s.store, `[srv]:2222 ssh-ed25519 ${b64(key)}`);
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: key })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect(s.asked).toHaveLength(0);
  });

  it('a host on record only with another key type is a hard stop, not a first connection (and is never remembered)', async () => {
    const known = ed25519Blob();
    const s = setup({ tofu: true, answer: 'remember', site: `[srv]:2222 ssh-ed25519 ${b64(known)}` });
    await expect(s.verify({ algorithm: 'ecdsa-sha2-nistp256', blob: ecdsaBlob() })).rejects.toMatchObject({ code: 'HOST_KEY_OTHER_TYPE' });
    expect(s.asked).toHaveLength(1);
    expect(s.asked[0]).toMatchObject({ kind: 'other-type', keyType: 'ecdsa-sha2-nistp256' });
    expect(s.asked[0]!.knownFingerprint).toMatch(/^ssh-ed25519 SHA256:/);
    expect(await s.store.list()).toHaveLength(0);
  });

  it('a user\'s @revoked line narrows trust even for a key the site provisions', async () => {
    const key = ed25519Blob();
    const s = setup({ tofu: true, site: `[srv]:2222 ssh-ed25519 ${b64(key)}` });
    await s.verify({ algorithm: 'ssh-ed25519', blob: key });
    await userLines(s.store, `@revoked * ssh-ed25519 ${b64(key)}`);
    await expect(s.verify({ algorithm: 'ssh-ed25519', blob: key })).rejects.toMatchObject({ code: 'HOST_KEY_REVOKED' });
  });

  it('a user line counts for a host the site does not know', async () => {
    const key = ed25519Blob();
    const s = setup({ tofu: false, site: `other ssh-ed25519 ${b64(ed25519Blob())}` });
    await userLines(s.store, `[srv]:2222 ssh-ed25519 ${b64(key)}`);
    await s.verify({ algorithm: 'ssh-ed25519', blob: key });
    expect(s.asked).toHaveLength(0);
  });

  it('offers the host-key types on record for the host first, the rest in the default order', async () => {
    const store = new MemoryStore<KnownHostEntry>();
    await userLines(store, `[srv]:2222 ecdsa-sha2-nistp256 ${b64(ecdsaBlob())}`);
    const algs = await hostKeyAlgorithmsFor({ host: 'SRV', port: 2222, siteEntries: [], userStore: store });
    expect(algs[0]).toBe('ecdsa-sha2-nistp256');
    expect([...algs].sort()).toEqual([...DEFAULT_HOST_KEY].sort());
    expect(await hostKeyAlgorithmsFor({ host: 'srv', port: 2222, siteEntries: [] })).toEqual([...DEFAULT_HOST_KEY]);
  });
});
