/** A test PKI built at test time: certificates and CRLs with @peculiar/x509, OCSP responses with @peculiar/asn1-ocsp, keys from WebCrypto. */
import 'reflect-metadata';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

const subtle = globalThis.crypto.subtle;
x509.cryptoProvider.set(globalThis.crypto);

const EC: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY = 86_400_000;

/** A fixed "now" for the test PKI, so cases do not age. */
export const NOW = new Date('2026-03-01T12:00:00Z');

export interface Issued {
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly keys: CryptoKeyPair;
  readonly name: string;
  readonly pem: string;
}

/** Key generation and signature parameters of one algorithm family. */
export interface KeyAlgorithm {
  readonly generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
  readonly sign: Algorithm | EcdsaParams | RsaPssParams;
}

export const ALGORITHMS: Record<string, KeyAlgorithm> = {
  'ECDSA P-256 SHA-256': { generate: EC, sign: SIGN },
  'ECDSA P-384 SHA-384': { generate: { name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams, sign: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams },
  'ECDSA P-521 SHA-512': { generate: { name: 'ECDSA', namedCurve: 'P-521' } as EcKeyGenParams, sign: { name: 'ECDSA', hash: 'SHA-512' } as EcdsaParams },
  'RSA PKCS#1 v1.5 SHA-256': { generate: rsa('RSASSA-PKCS1-v1_5', 'SHA-256'), sign: { name: 'RSASSA-PKCS1-v1_5' } },
  'RSA PKCS#1 v1.5 SHA-384': { generate: rsa('RSASSA-PKCS1-v1_5', 'SHA-384'), sign: { name: 'RSASSA-PKCS1-v1_5' } },
  'RSA PKCS#1 v1.5 SHA-512': { generate: rsa('RSASSA-PKCS1-v1_5', 'SHA-512'), sign: { name: 'RSASSA-PKCS1-v1_5' } },
  'RSA-PSS SHA-256': { generate: rsa('RSA-PSS', 'SHA-256'), sign: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams },
  'Ed25519': { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

function rsa(name: string, hash: string): RsaHashedKeyGenParams {
  return { name, hash, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
}

export interface CertOptions {
  readonly issuer?: Issued;
  /** Key type of this certificate's subject key (default ECDSA P-256). */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** The signature the issuer makes (default ECDSA P-256 SHA-256; must fit the issuer's key). */
  readonly signAlgorithm?: KeyAlgorithm['sign'];
  /** Reuse a key pair (cross-certificates: the same CA key under two issuers). */
  readonly keys?: CryptoKeyPair;
  readonly ca?: boolean;
  readonly pathLen?: number;
  readonly keyUsage?: x509.KeyUsageFlags;
  /** No keyUsage extension at all (RFC 5280 §4.2.1.3 lets a certificate leave it out). */
  readonly noKeyUsage?: boolean;
  readonly eku?: string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly san?: x509.JsonGeneralNames;
  readonly permittedDns?: string[];
  readonly excludedDns?: string[];
  readonly extra?: x509.Extension[];
  readonly serial?: string;
  readonly crlUrl?: string;
  readonly ocspUrl?: string;
}

let serialCounter = 0x1000;

export async function issue(name: string, o: CertOptions = {}): Promise<Issued> {
  const keys = o.keys ?? ((await subtle.generateKey(o.keyAlgorithm?.generate ?? EC, true, ['sign', 'verify'])) as CryptoKeyPair);
  const ca = o.ca ?? false;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(ca, o.pathLen, true),
    ...(o.noKeyUsage ? [] : [new x509.KeyUsagesExtension(o.keyUsage ?? (ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature), true)]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (o.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.cert));
  if (o.eku) extensions.push(new x509.ExtendedKeyUsageExtension(o.eku, false));
  if (o.san) extensions.push(new x509.SubjectAlternativeNameExtension(o.san, false));
  if (o.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([o.crlUrl]));
  if (o.ocspUrl) extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: [o.ocspUrl] }));
  if (o.permittedDns || o.excludedDns) {
    const subtrees = (names: string[]) => new asn.GeneralSubtrees(names.map((d) => new asn.GeneralSubtree({ base: new asn.GeneralName({ dNSName: d }) })));
    const nc = new asn.NameConstraints({
      ...(o.permittedDns ? { permittedSubtrees: subtrees(o.permittedDns) } : {}),
      ...(o.excludedDns ? { excludedSubtrees: subtrees(o.excludedDns) } : {}),
    });
    extensions.push(new x509.Extension('2.5.29.30', true, AsnConvert.serialize(nc)));
  }
  extensions.push(...(o.extra ?? []));
  const common = {
    serialNumber: o.serial ?? (serialCounter++).toString(16).padStart(4, '0'),
    subject: name,
    notBefore: o.notBefore ?? new Date(NOW.getTime() - 365 * DAY),
    notAfter: o.notAfter ?? new Date(NOW.getTime() + 365 * DAY),
    extensions,
    signingAlgorithm: o.signAlgorithm ?? SIGN,
  };
  const cert = o.issuer
    ? await x509.X509CertificateGenerator.create({ ...common, issuer: o.issuer.cert.subject, publicKey: keys.publicKey, signingKey: o.issuer.keys.privateKey })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys });
  return { cert, der: new Uint8Array(cert.rawData), keys, name, pem: cert.toString('pem') };
}

export interface CrlOptions {
  readonly revoked?: { serial: string; date: Date; reason?: x509.X509CrlReason }[];
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  readonly extra?: x509.Extension[];
}

export async function crl(issuer: Issued, o: CrlOptions = {}): Promise<{ der: Uint8Array; pem: string }> {
  const c = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: o.thisUpdate ?? new Date(NOW.getTime() - DAY),
    nextUpdate: o.nextUpdate ?? new Date(NOW.getTime() + 7 * DAY),
    entries: (o.revoked ?? []).map((r) => ({ serialNumber: r.serial, revocationDate: r.date, ...(r.reason === undefined ? {} : { reason: r.reason }) })),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(issuer.cert), ...(o.extra ?? [])],
    signingAlgorithm: SIGN,
    signingKey: issuer.keys.privateKey,
  });
  // RFC 7468 §5 names the label X509 CRL (OpenSSL reads only that one).
  return { der: new Uint8Array(c.rawData), pem: x509.PemConverter.encode(c.rawData, 'X509 CRL') };
}

/** Raw r||s (WebCrypto) to DER ECDSA-Sig-Value. */
function derSignature(raw: Uint8Array): ArrayBuffer {
  const int = (b: Uint8Array): number[] => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = Array.from(b.subarray(i));
    if ((v[0] as number) & 0x80) v.unshift(0);
    return [0x02, v.length, ...v];
  };
  const half = raw.length / 2;
  const body = [...int(raw.subarray(0, half)), ...int(raw.subarray(half))];
  return new Uint8Array([0x30, body.length, ...body]).buffer;
}

export interface OcspOptions {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revokedAt?: Date;
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date | null;
  /** Signs with this delegated responder (include its certificate) instead of the CA. */
  readonly responder?: Issued;
  readonly nonce?: Uint8Array;
  /** More responseExtensions (after the nonce) and singleExtensions. */
  readonly responseExtensions?: asn.Extension[];
  readonly singleExtensions?: asn.Extension[];
}

/** An OCSPResponse (RFC 6960 §4.2.1) about `cert`, issued by `issuer`. */
export async function ocspResponse(cert: Issued, issuer: Issued, o: OcspOptions): Promise<Uint8Array> {
  const sha1 = async (b: ArrayBuffer) => new OctetString(await subtle.digest('SHA-1', b));
  const issuerSpki = AsnConvert.parse(issuer.cert.publicKey.rawData, asn.SubjectPublicKeyInfo);
  const leafAsn = AsnConvert.parse(cert.cert.rawData, asn.Certificate);
  const certID = new ocsp.CertID({
    hashAlgorithm: new asn.AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: await sha1(AsnConvert.serialize(leafAsn.tbsCertificate.issuer)),
    issuerKeyHash: await sha1(issuerSpki.subjectPublicKey),
    serialNumber: leafAsn.tbsCertificate.serialNumber,
  });
  const certStatus = o.status === 'good' ? new ocsp.CertStatus({ good: null })
    : o.status === 'revoked' ? new ocsp.CertStatus({ revoked: new ocsp.RevokedInfo({ revocationTime: o.revokedAt ?? NOW }) })
      : new ocsp.CertStatus({ unknown: null });
  const signer = o.responder ?? issuer;
  const signerAsn = AsnConvert.parse(signer.cert.rawData, asn.Certificate);
  const thisUpdate = o.thisUpdate ?? new Date(NOW.getTime() - 3600_000);
  const nextUpdate = o.nextUpdate === undefined ? new Date(thisUpdate.getTime() + DAY) : o.nextUpdate;
  const data = new ocsp.ResponseData({
    responderID: new ocsp.ResponderID({ byName: signerAsn.tbsCertificate.subject }),
    producedAt: thisUpdate,
    responses: [new ocsp.SingleResponse({
      certID, certStatus, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), ...(o.singleExtensions ? { singleExtensions: o.singleExtensions } : {}),
    })],
  });
  const responseExtensions = [
    ...(o.nonce ? [new asn.Extension({ extnID: '1.3.6.1.5.5.7.48.1.2', critical: false, extnValue: new OctetString(AsnConvert.serialize(new OctetString(o.nonce))) })] : []),
    ...(o.responseExtensions ?? []),
  ];
  if (responseExtensions.length > 0) data.responseExtensions = responseExtensions;
  const tbs = AsnConvert.serialize(data);
  // An RSA signer (RSASSA-PKCS1-v1_5 key, SHA-256) signs sha256WithRSAEncryption; otherwise ECDSA P-256 SHA-256.
  const rsa = signer.keys.privateKey.algorithm.name === 'RSASSA-PKCS1-v1_5';
  const sig = new Uint8Array(await subtle.sign(rsa ? { name: 'RSASSA-PKCS1-v1_5' } : SIGN, signer.keys.privateKey, tbs));
  const basic = new ocsp.BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: rsa
      ? new asn.AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null })
      : new asn.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: rsa ? sig.buffer : derSignature(sig),
    ...(o.responder ? { certs: [signerAsn] } : {}),
  });
  const resp = new ocsp.OCSPResponse({
    responseStatus: ocsp.OCSPResponseStatus.successful,
    responseBytes: new ocsp.ResponseBytes({ responseType: '1.3.6.1.5.5.7.48.1.1', response: new OctetString(AsnConvert.serialize(basic)) }),
  });
  return new Uint8Array(AsnConvert.serialize(resp));
}

export const DAY_MS = DAY;
