// The exchange hash H (RFC 4253 §8, RFC 5656 §4) and key derivation (RFC 4253 §7.2).
import { SshWriter } from '../wire/index.ts';
import { digest, HASH_LENGTH, type HashName } from '../crypto/index.ts';

export interface ExchangeHashInput {
  clientVersion: string; // V_C, without CR LF
  serverVersion: string; // V_S
  clientKexInit: Uint8Array; // I_C, the whole KEXINIT payload
  serverKexInit: Uint8Array; // I_S
  hostKey: Uint8Array; // K_S
  exchangeValues: Uint8Array; // method-specific, already encoded
  sharedSecret: Uint8Array; // K, already encoded
}

/** H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S || values || K). */
export function exchangeHash(hash: HashName, i: ExchangeHashInput): Promise<Uint8Array> {
  const w = new SshWriter(2048)
    .string(i.clientVersion).string(i.serverVersion)
    .string(i.clientKexInit).string(i.serverKexInit)
    .string(i.hostKey)
    .raw(i.exchangeValues)
    .raw(i.sharedSecret);
  return digest(hash, w.toBytes());
}

/**
 * RFC 4253 §7.2: K1 = HASH(K || H || letter || session_id), K(n+1) = HASH(K || H || K1 || ... || Kn),
 * concatenated and truncated to `length`. Letters: A/B IVs, C/D keys, E/F MAC keys (client to server first).
 */
export async function deriveKey(hash: HashName, sharedSecret: Uint8Array, h: Uint8Array, letter: string,
  sessionId: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(Math.ceil(length / HASH_LENGTH[hash]) * HASH_LENGTH[hash]);
  if (length === 0) return out;
  const first = await digest(hash, new SshWriter(256).raw(sharedSecret).raw(h).byte(letter.charCodeAt(0)).raw(sessionId).toBytes());
  out.set(first, 0);
  let have = first.length;
  while (have < length) {
    const next = await digest(hash, new SshWriter(256).raw(sharedSecret).raw(h).raw(out.subarray(0, have)).toBytes());
    out.set(next, have);
    have += next.length;
  }
  return out.slice(0, length);
}

export interface DirectionKeys { iv: Uint8Array; key: Uint8Array; macKey: Uint8Array }

export async function deriveDirectionKeys(hash: HashName, k: Uint8Array, h: Uint8Array, sessionId: Uint8Array,
  clientToServer: boolean, sizes: { iv: number; key: number; macKey: number }): Promise<DirectionKeys> {
  const [ivL, keyL, macL] = clientToServer ? ['A', 'C', 'E'] : ['B', 'D', 'F'];
  return {
    iv: await deriveKey(hash, k, h, ivL!, sessionId, sizes.iv),
    key: await deriveKey(hash, k, h, keyL!, sessionId, sizes.key),
    macKey: await deriveKey(hash, k, h, macL!, sessionId, sizes.macKey),
  };
}
