// The Isolated Web App build: a signed web bundle whose manifest grants usb-unrestricted, with
// the site policy bundled and the app id derived from the signing key.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bundle } from 'wbn';
import { getBundleId } from 'wbn-sign';
import { describe, expect, it } from 'vitest';
import { buildIwa } from '../../scripts/build-iwa.ts';

describe('Isolated Web App bundle', () => {
  it('is signed with the given key and carries the IWA manifest and the site policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-iwa-test-'));
    try {
      const keyFile = join(dir, 'key.pem');
      writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const site = { mode: 'kiosk', relayUrl: 'wss://relay.example.com/ssh' };
      const built = await buildIwa({ site, keyFile, outDir: dir, version: '1.2.3' });
      expect(built.origin).toBe(`isolated-app://${built.bundleId}`);
      const signed = new Uint8Array(readFileSync(built.swbn));
      // Integrity block: a CBOR array whose first item is the 8-byte magic 🖋📦.
      expect([...signed.subarray(2, 10)]).toEqual([0xf0, 0x9f, 0x96, 0x8b, 0xf0, 0x9f, 0x93, 0xa6]);
      expect(getBundleId(signed)).toBe(built.bundleId);
      // The web bundle follows the integrity block; its last 8 bytes are its own length (b2 format).
      const length = Number(new DataView(signed.buffer, signed.byteOffset + signed.length - 8, 8).getBigUint64(0));
      const start = signed.length - length;
      const bundle = new Bundle(Buffer.from(signed.subarray(start)));
      const text = (path: string) => new TextDecoder().decode(bundle.getResponse(`${built.origin}${path}`).body);
      const manifest = JSON.parse(text('/.well-known/manifest.webmanifest'));
      expect(manifest).toMatchObject({ version: '1.2.3', permissions_policy: { usb: ['self'], 'usb-unrestricted': ['self'] } });
      expect(JSON.parse(text('/config.json'))).toEqual(site);
      expect(text('/')).toContain('<div id="terminal"');
      expect(bundle.urls.some((u) => u.endsWith('/sw.js'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a site policy without a wss:// relay URL', async () => {
    await expect(buildIwa({ site: {}, outDir: tmpdir() })).rejects.toThrow(/relayUrl/);
  });
});
