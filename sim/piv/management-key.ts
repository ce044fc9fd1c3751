// The PIV Card Application Administration Key (key reference 9B) and its
// challenge-response authentication (SP 800-73-4 Part 2 Appendix A.1; SP 800-78-4 Table
// 6-1): 03 = 3DES, 08/0A/0C = AES-128/192/256, one block encrypted in ECB.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type ManagementAlgorithm = 0x03 | 0x08 | 0x0a | 0x0c;

const CIPHER: Record<ManagementAlgorithm, { name: string; keyLength: number; block: number }> = {
  0x03: { name: 'des-ede3', keyLength: 24, block: 8 },
  0x08: { name: 'aes-128-ecb', keyLength: 16, block: 16 },
  0x0a: { name: 'aes-192-ecb', keyLength: 24, block: 16 },
  0x0c: { name: 'aes-256-ecb', keyLength: 32, block: 16 },
};

/** The factory default key of YubiKeys (and of many test cards). */
export const DEFAULT_MANAGEMENT_KEY = Buffer.from('010203040506070801020304050607080102030405060708', 'hex');

export class ManagementKey {
  constructor(readonly algorithm: ManagementAlgorithm, readonly key: Buffer) {
    if (key.length !== CIPHER[algorithm].keyLength) throw new RangeError(`management key must be ${CIPHER[algorithm].keyLength} bytes`);
  }

  get blockSize(): number {
    return CIPHER[this.algorithm].block;
  }

  encrypt(block: Uint8Array): Buffer {
    const c = createCipheriv(CIPHER[this.algorithm].name, this.key, null);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(block), c.final()]);
  }

  decrypt(block: Uint8Array): Buffer {
    const d = createDecipheriv(CIPHER[this.algorithm].name, this.key, null);
    d.setAutoPadding(false);
    return Buffer.concat([d.update(block), d.final()]);
  }

  random(): Buffer {
    return randomBytes(this.blockSize);
  }
}
