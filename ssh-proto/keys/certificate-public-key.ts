// The key of an X.509 certificate's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) in ssh-proto's PublicKey shape.
// Its ASN.1 libraries are loaded only when an x509v3-* key is actually met (x509v3-key.ts imports this lazily),
// so a plain SSH connection doesn't pay for them.
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { KeyError } from './errors.ts';
import { RSA_MIN_BITS, RSA_MAX_BITS, type PublicKey } from './public-key.ts';

const OID_RSA = '1.2.840.113549.1.1.1'; // RFC 8017 Appendix C rsaEncryption
const OID_EC = '1.2.840.10045.2.1'; // RFC 5480 §2.1.1 id-ecPublicKey
const OID_ED25519 = '1.3.101.112'; // RFC 8410 §3
/** RFC 5480 §2.1.1.1 namedCurve parameters, as DER OIDs. */
const CURVES: readonly { der: string; type: 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521'; curveName: string; curve: 'P-256' | 'P-384' | 'P-521'; fieldBytes: number }[] = [
  { der: '06082a8648ce3d030107', type: 'ecdsa-sha2-nistp256', curveName: 'nistp256', curve: 'P-256', fieldBytes: 32 },
  { der: '06052b81040022', type: 'ecdsa-sha2-nistp384', curveName: 'nistp384', curve: 'P-384', fieldBytes: 48 },
  { der: '06052b81040023', type: 'ecdsa-sha2-nistp521', curveName: 'nistp521', curve: 'P-521', fieldBytes: 66 },
];

const hex = (b: ArrayBuffer | Uint8Array): string => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.slice(i);
}

function bitLength(mag: Uint8Array): number {
  return mag.length === 0 ? 0 : (mag.length - 1) * 8 + (32 - Math.clz32(mag[0]!));
}

/** RFC 8017 Appendix A.1.1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }. */
function rsaPublicKey(der: Uint8Array): PublicKey {
  const parsed = asn1js.fromBER(der);
  const seq = parsed.result;
  if (parsed.offset !== der.length || !(seq instanceof asn1js.Sequence)) throw new KeyError('KEY_MALFORMED', 'The certificate\'s RSA key is not an RSAPublicKey.');
  const [n, e] = seq.valueBlock.value;
  if (seq.valueBlock.value.length !== 2 || !(n instanceof asn1js.Integer) || !(e instanceof asn1js.Integer)) {
    throw new KeyError('KEY_MALFORMED', 'The certificate\'s RSA key is not an RSAPublicKey.');
  }
  const nBytes = stripZeros(n.valueBlock.valueHexView);
  const eBytes = stripZeros(e.valueBlock.valueHexView);
  const bits = bitLength(nBytes);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new KeyError('KEY_UNSUPPORTED', `RSA keys of ${bits} bits are refused (${RSA_MIN_BITS} to ${RSA_MAX_BITS} are accepted).`);
  }
  if (eBytes.length === 0 || (eBytes[eBytes.length - 1]! & 1) === 0) throw new KeyError('KEY_MALFORMED', 'The RSA public exponent is not odd.');
  return { type: 'ssh-rsa', n: nBytes, e: eBytes, bits };
}

/** The key of a DER certificate's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), in ssh-proto's PublicKey shape. */
export function certificatePublicKey(der: Uint8Array): PublicKey {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (cause) {
    throw new KeyError('KEY_MALFORMED', 'The X.509 certificate is not valid DER.', { cause });
  }
  const spki = cert.tbsCertificate.subjectPublicKeyInfo;
  const oid = spki.algorithm.algorithm;
  const bits = new Uint8Array(spki.subjectPublicKey);
  if (oid === OID_ED25519) {
    if (bits.length !== 32) throw new KeyError('KEY_MALFORMED', `An Ed25519 public key must be 32 bytes, not ${bits.length}.`);
    return { type: 'ssh-ed25519', key: bits.slice() };
  }
  if (oid === OID_EC) {
    const params = spki.algorithm.parameters;
    const curve = params ? CURVES.find((c) => c.der === hex(params)) : undefined;
    if (!curve) throw new KeyError('KEY_UNSUPPORTED', 'The certificate\'s EC key is not on P-256, P-384 or P-521.');
    // RFC 5656 §3.1: only the uncompressed SEC1 form is used in SSH.
    if (bits.length !== 1 + 2 * curve.fieldBytes || bits[0] !== 0x04) {
      throw new KeyError('KEY_MALFORMED', `The certificate's ${curve.curve} key is not an uncompressed point.`);
    }
    return { type: curve.type, curveName: curve.curveName, curve: curve.curve, point: bits.slice() };
  }
  if (oid === OID_RSA) {
    try {
      return rsaPublicKey(bits);
    } catch (cause) {
      if (cause instanceof KeyError) throw cause;
      throw new KeyError('KEY_MALFORMED', 'The certificate\'s RSA key is not an RSAPublicKey.', { cause });
    }
  }
  throw new KeyError('KEY_UNSUPPORTED', `Certificate keys of algorithm ${oid} are not supported.`);
}
