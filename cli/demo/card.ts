// The demo's simulated PIV card (sim/piv) in a virtual OMNIKEY reader (sim/ccid), issued by a
// temporary test CA; its P-256 key is what the demo sshd accepts.
import { createPublicKey } from 'node:crypto';
import { loadProfile, provisionPivCard, VirtualReader, type ProvisionedPivCard } from '../../sim/index.ts';
import { serveVirtualReader, type VirtualReaderServer } from './usb-rpc.ts';

/** "ecdsa-sha2-nistp256 AAAA…" (RFC 5656 §3.1) for a P-256 SubjectPublicKeyInfo. */
export function sshP256Line(spki: Uint8Array, comment = ''): string {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const str = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  const blob = Buffer.concat([str(Buffer.from('ecdsa-sha2-nistp256')), str(Buffer.from('nistp256')), str(point)]);
  return `ecdsa-sha2-nistp256 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

export interface DemoCard {
  readonly provisioned: ProvisionedPivCard;
  readonly authorizedKey: string;
  readonly reader: VirtualReaderServer;
}

export async function startDemoCard(): Promise<DemoCard> {
  const provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }], subject: 'CN=Demo User' });
  const slot = provisioned.slots.get(0x9a);
  if (!slot) throw new Error('the simulated card has no 9A key');
  const profile = loadProfile('HID_Global_OMNIKEY_3x21_Smart_Card_Reader');
  const reader = await serveVirtualReader(() => new VirtualReader(profile), (r) => { r.insertCard(provisioned.card); });
  return { provisioned, authorizedKey: sshP256Line(slot.spki, 'tessera-demo-card'), reader };
}
