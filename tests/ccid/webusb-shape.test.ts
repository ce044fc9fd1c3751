// The driver's device interface (ccid/usb-device.ts) must accept the browser's WebUSB
// USBDevice (@types/w3c-web-usb) and node-usb v3's devices as they are. The project's
// tsconfig does not load the WebUSB globals, so this compiles a probe with its own config.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-webusb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WebUSB shape', () => {
  it('USBDevice (browser) and node-usb devices satisfy UsbDeviceLike', async () => {
    writeFileSync(join(dir, 'probe.ts'), [
      '/// <reference types="w3c-web-usb" />',
      `import type { UsbDeviceLike } from '${root}/ccid/usb-device.ts';`,
      "import { usb } from 'usb';",
      'export const fromBrowser = (d: USBDevice): UsbDeviceLike => d;',
      'export const fromNodeUsb = async (): Promise<UsbDeviceLike[]> => usb.getDevices();',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2023', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', allowImportingTsExtensions: true,
        noEmit: true, strict: true, exactOptionalPropertyTypes: true, skipLibCheck: true,
        typeRoots: [`${root}/node_modules/@types`], types: ['w3c-web-usb', 'node'],
        paths: { usb: [`${root}/node_modules/usb/dist/index.d.ts`] },
      },
      files: ['probe.ts'],
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir], { timeout: 120_000 }).then(() => '', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('');
  }, 150_000);
});
