// YubiKey PIV extensions (Yubico "PIV commands" reference): GET VERSION (INS FD),
// GET SERIAL (INS F8, firmware 5+), GET METADATA (INS F7, firmware 5.3+).
import type { CardChannel } from './channel.ts';
import { ecSpki, ed25519Spki, rsaSpki } from './der.ts';
import { MalformedResponseError } from './errors.ts';
import { algorithmFromId } from './piv-objects.ts';
import type { KeyAlgorithm } from './key-algorithm.ts';
import { findTlv, parseTlvs, requireTlv } from './tlv.ts';

export type PinPolicy = 'default' | 'never' | 'once' | 'always' | 'match-once' | 'match-always';
export type TouchPolicy = 'default' | 'never' | 'always' | 'cached';

const PIN_POLICIES: readonly PinPolicy[] = ['default', 'never', 'once', 'always', 'match-once', 'match-always'];
const TOUCH_POLICIES: readonly TouchPolicy[] = ['default', 'never', 'always', 'cached'];

export interface YubiKeyVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export interface SlotMetadata {
  /** Raw algorithm id (tag 01); FF for the PIN and PUK. */
  readonly algorithmId: number;
  readonly algorithm?: KeyAlgorithm;
  readonly pinPolicy?: PinPolicy;
  readonly touchPolicy?: TouchPolicy;
  /** Tag 03: 1 generated on the card, 2 imported. */
  readonly generated?: boolean;
  /** DER SubjectPublicKeyInfo built from tag 04. */
  readonly spki?: Uint8Array;
  /** Tag 05: still the factory default (PIN, PUK, management key). */
  readonly isDefault?: boolean;
  /** Tag 06: total and remaining attempts (PIN, PUK). */
  readonly retries?: { readonly total: number; readonly remaining: number };
}

export function versionAtLeast(v: YubiKeyVersion, major: number, minor = 0, patch = 0): boolean {
  return v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.patch >= patch;
}

export async function getVersion(channel: CardChannel): Promise<YubiKeyVersion> {
  const d = await channel.call({ cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256 });
  if (d.length !== 3) throw new MalformedResponseError(`The YubiKey version answer is ${d.length} bytes, expected 3`);
  return { major: d[0]!, minor: d[1]!, patch: d[2]! };
}

export async function getSerial(channel: CardChannel): Promise<number> {
  const d = await channel.call({ cla: 0, ins: 0xf8, p1: 0, p2: 0, le: 256 });
  if (d.length !== 4) throw new MalformedResponseError(`The YubiKey serial answer is ${d.length} bytes, expected 4`);
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
}

function publicKeySpki(algorithm: KeyAlgorithm | undefined, encoded: Uint8Array): Uint8Array | undefined {
  if (!algorithm || encoded.length === 0) return undefined;
  const tlvs = parseTlvs(encoded);
  if (algorithm.startsWith('rsa-')) return rsaSpki(requireTlv(tlvs, 0x81, 'RSA public key'), requireTlv(tlvs, 0x82, 'RSA public key'));
  const point = requireTlv(tlvs, 0x86, 'public key');
  if (algorithm === 'ed25519') return ed25519Spki(point);
  return ecSpki(algorithm === 'p-256' ? 'P-256' : 'P-384', point);
}

/** GET METADATA for a slot, PIN (80), PUK (81) or management key (9B). */
export async function getMetadata(channel: CardChannel, slot: number): Promise<SlotMetadata> {
  const tlvs = parseTlvs(await channel.call({ cla: 0, ins: 0xf7, p1: 0, p2: slot, le: channel.extended ? 65536 : 256 }));
  const alg = findTlv(tlvs, 0x01);
  if (!alg || alg.length !== 1) throw new MalformedResponseError('The YubiKey metadata has no algorithm');
  const algorithm = algorithmFromId(alg[0]!);
  const policy = findTlv(tlvs, 0x02);
  const origin = findTlv(tlvs, 0x03);
  const pub = findTlv(tlvs, 0x04);
  const def = findTlv(tlvs, 0x05);
  const retries = findTlv(tlvs, 0x06);
  const spki = pub ? publicKeySpki(algorithm, pub) : undefined;
  const pinPolicy = policy && policy.length >= 1 ? PIN_POLICIES[policy[0]!] : undefined;
  const touchPolicy = policy && policy.length >= 2 ? TOUCH_POLICIES[policy[1]!] : undefined;
  return {
    algorithmId: alg[0]!,
    ...(algorithm ? { algorithm } : {}),
    ...(pinPolicy ? { pinPolicy } : {}),
    ...(touchPolicy ? { touchPolicy } : {}),
    ...(origin && origin.length === 1 ? { generated: origin[0] === 1 } : {}),
    ...(spki ? { spki } : {}),
    ...(def && def.length === 1 ? { isDefault: def[0] === 1 } : {}),
    ...(retries && retries.length === 2 ? { retries: { total: retries[0]!, remaining: retries[1]! } } : {}),
  };
}
