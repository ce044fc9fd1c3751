// Provisioning: a simulated PIV card with keys and certificates from the test PKI,
// the CHUID (SP 800-73-4 Part 1 §3.1.2), CCC (§3.1.1) and key history (§3.3.3).
import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { SimKey, type SimAlgorithm } from './keys.ts';
import { PivCard, type PivCardOptions, type PIN_POLICY, type TOUCH_POLICY } from './piv-card.ts';
import { createTestCa, issueCardCertificate, type TestCa } from './test-pki.ts';
import { tlv } from './tlv.ts';

export interface SlotSpec {
  readonly slot: number;
  readonly algorithm: SimAlgorithm;
  /** Store the certificate compressed (CertInfo 01), gzip or zlib. */
  readonly compress?: 'gzip' | 'zlib';
  readonly certificate?: boolean;
  readonly pinPolicy?: keyof typeof PIN_POLICY;
  readonly touchPolicy?: keyof typeof TOUCH_POLICY;
}

export interface ProvisionedSlot {
  readonly slot: number;
  readonly algorithm: SimAlgorithm;
  readonly key: SimKey;
  readonly spki: Buffer;
  readonly certificate?: Uint8Array;
}

export interface ProvisionedPivCard {
  readonly card: PivCard;
  readonly ca: TestCa;
  readonly slots: ReadonlyMap<number, ProvisionedSlot>;
}

/** 9A RSA-2048, 9C P-256, 9D P-384, 9E P-256, and on the YubiKey profile 82 Ed25519. */
export function defaultSlots(profile: 'yubikey5' | 'generic' = 'yubikey5'): SlotSpec[] {
  const slots: SlotSpec[] = [
    { slot: 0x9a, algorithm: 'rsa-2048' },
    { slot: 0x9c, algorithm: 'p-256' },
    { slot: 0x9d, algorithm: 'p-384' },
    { slot: 0x9e, algorithm: 'p-256' },
  ];
  if (profile === 'yubikey5') slots.push({ slot: 0x82, algorithm: 'ed25519' });
  return slots;
}

const keyCache = new Map<string, SimKey>();

/** Keys are generated once per process and reused by slot and algorithm: fast test setup. */
function cachedKey(slot: number, algorithm: SimAlgorithm, fresh: boolean): SimKey {
  const id = `${slot}:${algorithm}`;
  const hit = keyCache.get(id);
  if (hit && !fresh) return hit;
  const key = SimKey.generate(algorithm);
  keyCache.set(id, key);
  return key;
}

export async function provisionPivCard(options: PivCardOptions & {
  slots?: readonly SlotSpec[];
  ca?: TestCa;
  /** Generate new keys instead of the per-process cached ones. */
  freshKeys?: boolean;
  subject?: string;
} = {}): Promise<ProvisionedPivCard> {
  const card = new PivCard(options);
  const ca = options.ca ?? await createTestCa();
  const specs = options.slots ?? defaultSlots(card.profile);
  const slots = new Map<number, ProvisionedSlot>();
  for (const spec of specs) {
    const key = cachedKey(spec.slot, spec.algorithm, options.freshKeys ?? false);
    card.setKey(spec.slot, key, { ...(spec.pinPolicy ? { pin: spec.pinPolicy } : {}), ...(spec.touchPolicy ? { touch: spec.touchPolicy } : {}) });
    const spki = key.spki();
    let certificate: Uint8Array | undefined;
    if (spec.certificate ?? true) {
      certificate = await issueCardCertificate(ca, spki, `${options.subject ?? 'CN=Tessera Test User'}, OU=Slot ${spec.slot.toString(16).toUpperCase()}`);
      const stored = spec.compress === 'gzip' ? gzipSync(certificate) : spec.compress === 'zlib' ? deflateSync(certificate) : certificate;
      card.setCertificate(spec.slot, stored, spec.compress !== undefined);
    }
    slots.set(spec.slot, { slot: spec.slot, algorithm: spec.algorithm, key, spki, ...(certificate ? { certificate } : {}) });
  }
  writeStandardObjects(card, [...slots.keys()].filter((s) => s >= 0x82 && s <= 0x95).length);
  return { card, ca, slots };
}

/** CHUID, CCC and key history, as a freshly issued card carries them. */
export function writeStandardObjects(card: PivCard, retiredKeys: number): void {
  // FASC-N (25 bytes, SP 800-73-4 Part 1 Table 9 uses a fixed test value) and a random GUID.
  const fascn = Buffer.from('d4e739da739ced39ce739d836858210842108421c84210c3eb', 'hex');
  card.objects.set(0x5fc102, Buffer.concat([
    tlv(0x30, fascn), tlv(0x34, randomBytes(16)), tlv(0x35, Buffer.from('20301231', 'ascii')), tlv(0x3e), tlv(0xfe),
  ]));
  // CCC (Part 1 Table 8): F0 card identifier, F1/F2 versions, data model number F5 = 10.
  const cardId = Buffer.concat([Buffer.from([0xa0, 0x00, 0x00, 0x01, 0x16, 0xff, 0x02]), randomBytes(14)]);
  card.objects.set(0x5fc107, Buffer.concat([
    tlv(0xf0, cardId), tlv(0xf1, Buffer.from([0x21])), tlv(0xf2, Buffer.from([0x21])), tlv(0xf3), tlv(0xf4, Buffer.from([0])),
    tlv(0xf5, Buffer.from([0x10])), tlv(0xf6), tlv(0xf7), tlv(0xfa), tlv(0xfb), tlv(0xfc), tlv(0xfd), tlv(0xfe),
  ]));
  if (retiredKeys > 0) {
    card.objects.set(0x5fc10c, Buffer.concat([tlv(0xc1, Buffer.from([retiredKeys])), tlv(0xc2, Buffer.from([0])), tlv(0xfe)]));
  }
}
