// ML-KEM-768 (FIPS 203) through libsodium.
import { sodium } from './sodium.ts';
import { SshCryptoError } from './errors.ts';

export const MLKEM768_PUBLIC_KEY_BYTES = 1184;
export const MLKEM768_CIPHERTEXT_BYTES = 1088;

export interface MlKemKeyPair { publicKey: Uint8Array; privateKey: Uint8Array }

export async function mlkem768KeyPair(): Promise<MlKemKeyPair> {
  const { publicKey, privateKey } = (await sodium()).crypto_kem_mlkem768_keypair();
  return { publicKey, privateKey };
}

/** Decapsulation (FIPS 203 §7.3). ML-KEM has implicit rejection: a forged ciphertext gives an unrelated secret, not an error. */
export async function mlkem768Decapsulate(ciphertext: Uint8Array, privateKey: Uint8Array): Promise<Uint8Array> {
  if (ciphertext.length !== MLKEM768_CIPHERTEXT_BYTES) {
    throw new SshCryptoError('MLKEM_BAD_CIPHERTEXT', `an ML-KEM-768 ciphertext has ${MLKEM768_CIPHERTEXT_BYTES} bytes, the peer sent ${ciphertext.length}`);
  }
  return (await sodium()).crypto_kem_mlkem768_dec(ciphertext, privateKey);
}

/** Encapsulation: used by test peers and for symmetry. */
export async function mlkem768Encapsulate(publicKey: Uint8Array): Promise<{ ciphertext: Uint8Array; sharedSecret: Uint8Array }> {
  const r = (await sodium()).crypto_kem_mlkem768_enc(publicKey);
  return { ciphertext: r.ciphertext, sharedSecret: r.sharedSecret };
}
