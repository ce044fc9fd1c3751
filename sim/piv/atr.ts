// Answers-to-reset for the simulated cards (ISO/IEC 7816-3 §8.2).

/** A YubiKey 5 (USB, CCID interface): T=1, historical bytes "...YubiKey@". */
export const ATR_YUBIKEY_5 = Uint8Array.from(Buffer.from('3bfd1300008131fe158073c021c057597562694b657940', 'hex'));

/** An ATR with T=1 and the given historical bytes, TCK included (§8.2.5). */
export function atrWithHistory(history: Uint8Array): Uint8Array {
  if (history.length > 15) throw new RangeError('at most 15 historical bytes');
  // TS=3B, T0=8K (TD1 present), TD1=80 (TD2 present, T=0 implied), TD2=01 (T=1).
  const body = [0x3b, 0x80 | history.length, 0x80, 0x01, ...history];
  let tck = 0;
  for (const b of body.slice(1)) tck ^= b;
  return Uint8Array.from([...body, tck]);
}

/** A generic (non-YubiKey) PIV card. */
export const ATR_GENERIC_PIV = atrWithHistory(new TextEncoder().encode('TesseraPIV'));

/** An OpenPGP card 3.4 (historical bytes per OpenPGP card spec §6: 00 31 C5 73 C0 01 40 05 90 00). */
export const ATR_OPENPGP = atrWithHistory(Uint8Array.from([0x00, 0x31, 0xc5, 0x73, 0xc0, 0x01, 0x40, 0x05, 0x90, 0x00]));
