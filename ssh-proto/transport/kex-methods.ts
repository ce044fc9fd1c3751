// The kex method table: name -> implementation.
import { SshTransportError } from './errors.ts';
import type { KexMethod } from './kex-method.ts';
import { Curve25519Kex, MlKem768X25519Kex, NistEcdhKex } from './kex-ecdh.ts';
import { DhGroupKex } from './kex-dh.ts';

const METHODS: Readonly<Record<string, () => KexMethod>> = {
  'mlkem768x25519-sha256': () => new MlKem768X25519Kex(),
  'curve25519-sha256': () => new Curve25519Kex('curve25519-sha256'),
  'curve25519-sha256@libssh.org': () => new Curve25519Kex('curve25519-sha256@libssh.org'),
  'ecdh-sha2-nistp256': () => new NistEcdhKex('ecdh-sha2-nistp256', 'P-256'),
  'ecdh-sha2-nistp384': () => new NistEcdhKex('ecdh-sha2-nistp384', 'P-384'),
  'ecdh-sha2-nistp521': () => new NistEcdhKex('ecdh-sha2-nistp521', 'P-521'),
  'diffie-hellman-group16-sha512': () => new DhGroupKex('diffie-hellman-group16-sha512', 'group16', 'SHA-512'),
  'diffie-hellman-group18-sha512': () => new DhGroupKex('diffie-hellman-group18-sha512', 'group18', 'SHA-512'),
  'diffie-hellman-group14-sha256': () => new DhGroupKex('diffie-hellman-group14-sha256', 'group14', 'SHA-256'),
};

export function createKexMethod(name: string): KexMethod {
  const make = METHODS[name];
  if (!make) throw new SshTransportError('KEX_NO_COMMON_ALGORITHM', `key exchange method ${name} is not implemented`);
  return make();
}
