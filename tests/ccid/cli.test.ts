// `tessera atr` and `tessera card list --sim`, run as a user would (node cli/tessera.js).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { claimError, ReaderBusyError, UnsupportedReaderError } from '../../ccid/index.ts';

const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['cli/tessera.js', ...args], { timeout: 60_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};

describe('tessera atr / card list', () => {
  it('atr analyses a YubiKey 5 ATR', async () => {
    const r = await run('atr', '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40');
    expect(r.code).toBe(0);
    expect(r.out).toContain('TA(3) = FE --> IFSC: 254');
    expect(r.out).toContain('+ TCK = 40 (correct checksum)');
  });

  it('atr rejects a bad TCK with exit code 1 and a sentence', async () => {
    const r = await run('atr', '3BFD1300008131FE158073C021C057597562694B657941');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/TCK is wrong.*ATR_BAD_TCK/);
  });

  it('card list --sim shows both interfaces of a dual reader and the card', async () => {
    const r = await run('card', 'list', '--sim', 'ACS_ACR1251_Dual_Reader');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Exchange level: extended-apdu');
    expect(r.out).toContain('(interface 1)');
    expect(r.out).toMatch(/Slot 0: card present, ATR 3B FD 13 .* protocol T=1/);
  });

  it('card list --sim explains a character-level reader', async () => {
    const r = await run('card', 'list', '--sim', 'Oz776S');
    expect(r.out).toMatch(/Not usable: .*character level/);
  });

  it('maps claim failures to plain-word errors', () => {
    expect(claimError(new Error('LIBUSB_ERROR_BUSY'))).toBeInstanceOf(ReaderBusyError);
    expect(claimError(new Error('LIBUSB_ERROR_BUSY')).message).toMatch(/pcscd/);
    expect(claimError(new Error('LIBUSB_ERROR_ACCESS')).message).toMatch(/Permission/);
    expect(claimError(new Error('SecurityError: The requested interface implements a protected class.'))).toBeInstanceOf(UnsupportedReaderError);
  });
});
