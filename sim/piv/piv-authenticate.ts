// GENERAL AUTHENTICATE on the simulated PIV card (SP 800-73-4 Part 2 §3.2.4 and
// Appendix A): administration-key challenge-response on 9B; signatures (81) and key
// agreement (85) with the keys in the other slots.
import { timingSafeEqual } from 'node:crypto';
import type { PivCard } from './piv-card.ts';
import { PIV_ALG_ID } from './keys.ts';
import { tlv, tlvDecode } from './tlv.ts';
import { SW, type CardReply, type ParsedCommand } from './virtual-card.ts';

export async function generalAuthenticate(card: PivCard, cmd: ParsedCommand): Promise<CardReply> {
  const top = tlvDecode(cmd.data);
  if (top.length !== 1 || top[0]!.tag !== 0x7c) return { sw: SW.WRONG_DATA };
  const items = tlvDecode(top[0]!.value);
  const get = (tag: number) => items.find((t) => t.tag === tag)?.value;
  if (cmd.p2 === 0x9b) return administration(card, cmd.p1, get(0x80), get(0x81), get(0x82));
  const slot = card.slots.get(cmd.p2);
  if (!slot) return { sw: SW.NOT_FOUND };
  if (PIV_ALG_ID[slot.key.algorithm] !== cmd.p1) return { sw: SW.WRONG_P1P2 };
  // The response tag 82 must be requested empty, in either order (OpenSC sends 82 first).
  const response = get(0x82);
  const challenge = get(0x81);
  const peerPoint = get(0x85);
  if (!response || response.length !== 0 || (!challenge && !peerPoint)) return { sw: SW.WRONG_DATA };
  if (slot.pinPolicy === 2 && !card.pinVerified) return { sw: SW.SECURITY };
  if (slot.pinPolicy === 3) {
    if (!card.pinFresh) return { sw: SW.SECURITY };
    card.pinFresh = false;
  }
  if (slot.touchPolicy === 2 || (slot.touchPolicy === 3 && !card.touchCache)) {
    await card.touch();
    if (slot.touchPolicy === 3) card.touchCache = true;
  }
  const key = slot.key;
  let out: Buffer;
  if (peerPoint) {
    if (key.algorithm !== 'p-256' && key.algorithm !== 'p-384') return { sw: SW.WRONG_DATA };
    try { out = key.ecdh(peerPoint); } catch { return { sw: SW.WRONG_DATA }; }
  } else if (key.isRsa) {
    // The host pads; the card does the raw private-key operation on a full-length block.
    if (challenge!.length !== key.modulusBytes) return { sw: SW.WRONG_DATA };
    try { out = key.rsaRaw(challenge!); } catch { return { sw: SW.WRONG_DATA }; }
  } else if (key.algorithm === 'ed25519') {
    out = key.ed25519(challenge!);
  } else {
    // ECDSA: the data is the hash; the card answers DER.
    if (challenge!.length === 0 || challenge!.length > 64) return { sw: SW.WRONG_DATA };
    out = key.ecdsa(challenge!, 'der');
  }
  return { data: tlv(0x7c, tlv(0x82, out)), sw: SW.OK };
}

function administration(card: PivCard, alg: number, witness?: Buffer, challenge?: Buffer, response?: Buffer): CardReply {
  const mk = card.managementKey;
  if (alg !== mk.algorithm) return { sw: SW.WRONG_P1P2 };
  const bs = mk.blockSize;
  // Step 1 of mutual authentication: the client asks for a witness (80 empty).
  if (witness && witness.length === 0 && !challenge) {
    const w = mk.random();
    card.mgmChallenge = { kind: 'witness', value: w };
    return { data: tlv(0x7c, tlv(0x80, mk.encrypt(w))), sw: SW.OK };
  }
  // Step 2: the decrypted witness and the client's own challenge.
  if (witness && witness.length === bs && challenge && challenge.length === bs) {
    const expected = card.mgmChallenge;
    card.mgmChallenge = undefined;
    if (!expected || expected.kind !== 'witness' || !timingSafeEqual(expected.value, witness)) return { sw: SW.SECURITY };
    card.mgmAuthenticated = true;
    return { data: tlv(0x7c, tlv(0x82, mk.encrypt(challenge))), sw: SW.OK };
  }
  // One-way: the client asks for a challenge (81 empty), then answers it encrypted (82).
  if (challenge && challenge.length === 0 && !witness) {
    const c = mk.random();
    card.mgmChallenge = { kind: 'challenge', value: c };
    return { data: tlv(0x7c, tlv(0x81, c)), sw: SW.OK };
  }
  if (response && response.length === bs && !witness && !challenge) {
    const expected = card.mgmChallenge;
    card.mgmChallenge = undefined;
    if (!expected || expected.kind !== 'challenge' || !timingSafeEqual(mk.encrypt(expected.value), response)) return { sw: SW.SECURITY };
    card.mgmAuthenticated = true;
    return { sw: SW.OK };
  }
  return { sw: SW.WRONG_DATA };
}
