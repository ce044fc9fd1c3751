import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../storage/record-store.ts';
import { createHostKeyVerifier, type HostKeyQuestion } from './host-key-verifier.ts';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.ts';

function ed25519Blob(): Uint8Array {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return new Uint8Array(Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), der.subarray(der.length - 32)]));
}

function setup(o: { tofu: boolean; answer?: 'once' | 'remember' | 'refuse'; site?: string }) {
  const asked: HostKeyQuestion[] = [];
  const store = new MemoryStore<KnownHostEntry>();
  const verify = createHostKeyVerifier({
    host: 'srv', port: 2222, siteEntries: parseKnownHosts(o.site ?? ''), userStore: store,
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
});
