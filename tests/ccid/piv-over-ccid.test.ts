// The whole card path: card/'s PIV client over ccid/'s CcidCard (as ApduTransport), through
// virtual readers of each exchange level, to sim/piv's PIV card. Reads the 9A certificate,
// verifies the PIN and makes an RSA-2048 signature, checked with node:crypto.
import { createVerify, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PivClient } from '../../card/index.ts';
import type { ApduTransport } from '../../card/index.ts';
import { CcidReader } from '../../ccid/index.ts';
import type { CcidCard } from '../../ccid/index.ts';
import { VirtualReader, hexBytes, provisionPivCard } from '../../sim/index.ts';
import { hostNegotiates, pickProfile } from './pick-profile.ts';
import type { ReaderProfile } from '../../sim/index.ts';


// A CAC's T=0-only ATR (Gemalto TOP DL GX4, see ATR_analysis) for the T=0 reader.
const CAC_T0_ATR = hexBytes('3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 83 00 90 00');

const CASES: [string, ReaderProfile, Uint8Array | undefined][] = [
  ['TPDU T=1, host PPS and IFSD', pickProfile(0x10000, 1, hostNegotiates), undefined],
  ['TPDU T=0', pickProfile(0x10000, 0), CAC_T0_ATR],
  ['short APDU', pickProfile(0x20000, 1), undefined],
  ['extended APDU', pickProfile(0x40000, 1), undefined],
];

describe('PIV over CCID', () => {
  for (const [name, profile, atr] of CASES) {
    it(`${name} (${profile.id})`, async () => {
      const provisioned = await provisionPivCard(atr ? { atr, extendedLength: false } : {});
      const device = new VirtualReader(profile);
      device.insertCard(provisioned.card);
      const [reader] = await CcidReader.open(device);
      const card: CcidCard = await reader!.connect(0);
      const transport: ApduTransport = card; // structural: ccid/ satisfies card/'s seam
      const extended = reader!.level === 'extended-apdu' || (reader!.level === 'tpdu' && card.protocol === 1);
      const piv = new PivClient(transport, { extended: extended && !atr });
      await piv.select();
      const cert = await piv.readCertificate(0x9a);
      const expected = provisioned.slots.get(0x9a)!.certificate!;
      expect(Buffer.from(cert!.certificate).equals(Buffer.from(expected))).toBe(true);
      await piv.verifyPin('123456');
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('tessera')));
      const sig = await piv.sign(0x9a, 'rsa-2048', digest, 'SHA-256');
      const key = createPublicKey({ key: provisioned.slots.get(0x9a)!.spki, format: 'der', type: 'spki' });
      expect(createVerify('sha256').update('tessera').verify(key, sig)).toBe(true);
      await reader!.close();
    });
  }
});
