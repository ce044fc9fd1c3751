// A card key as an SSH signer for the page. The SSH encoding of keys and signatures is identity/'s
// (RFC 4253 §6.6, RFC 5656 §3.1.2, RFC 8332 §3, RFC 8709); the page adds the touch prompt around the
// signing APDU.
import type { CardKey } from '../../card/index.ts';
import { plainAlgorithms, signatureFormat, sshPublicKeyBlob, sshSignatureBlob } from '../../identity/index.ts';
import type { Signer } from '../../ssh-proto/index.ts';
import { WebError } from '../errors.ts';

export async function cardSshSigner(key: CardKey, onTouch: (waiting: boolean) => void): Promise<Signer> {
  const publicKey = await sshPublicKeyBlob(key.spki, key.algorithm);
  const algorithms = plainAlgorithms(key.algorithm);
  return {
    publicKey,
    algorithms,
    async sign(algorithm, data) {
      // Refuse before the card is asked: a signature it made with the wrong hash would be wasted (and may cost a PIN).
      if (!algorithms.includes(algorithm)) throw new WebError('CARD_ALGORITHM', `This card key cannot sign with ${algorithm}.`);
      const format = signatureFormat(algorithm);
      if (key.needsTouch) onTouch(true);
      try {
        const raw = await key.sign(data, ...(format.hash ? [format.hash] as const : []));
        return sshSignatureBlob(format, key.algorithm, raw);
      } finally {
        if (key.needsTouch) onTouch(false);
      }
    },
  };
}
