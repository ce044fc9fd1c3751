// Elliptic-curve key exchanges (RFC 5656 §4, RFC 8731 for Curve25519) and the ML-KEM hybrid
// (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH kexmlkem768x25519.c). Same message flow:
//   byte 30 SSH_MSG_KEX_ECDH_INIT, string Q_C
//   byte 31 SSH_MSG_KEX_ECDH_REPLY, string K_S, string Q_S, string signature
// H input middle: string Q_C, string Q_S.
import { MSG } from '../messages.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import {
  digest, ecdhKeyPair, ecdhSharedSecret, mlkem768Decapsulate, mlkem768KeyPair, x25519KeyPair, x25519SharedSecret,
  MLKEM768_CIPHERTEXT_BYTES, type HashName, type NistCurve,
} from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import type { KexMethod, KexReply } from './kex-method.ts';

interface ParsedReply { hostKey: Uint8Array; serverValue: Uint8Array; signature: Uint8Array }

export function parseEcdhReply(payload: Uint8Array): ParsedReply {
  const r = new SshReader(payload);
  if (r.byte() !== MSG.KEX_ECDH_REPLY) throw new SshTransportError('KEX_UNEXPECTED_MESSAGE', 'expected SSH_MSG_KEX_ECDH_REPLY');
  const out = { hostKey: r.string(), serverValue: r.string(), signature: r.string() };
  r.end();
  return out;
}

const initMessage = (q: Uint8Array) => new SshWriter(q.length + 16).byte(MSG.KEX_ECDH_INIT).string(q).toBytes();
const exchangeValues = (qc: Uint8Array, qs: Uint8Array) => new SshWriter(qc.length + qs.length + 8).string(qc).string(qs).toBytes();
const mpint = (magnitude: Uint8Array) => new SshWriter(magnitude.length + 8).mpintBytes(magnitude).toBytes();

/** curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731 §3: K is the X25519 output read as an mpint). */
export class Curve25519Kex implements KexMethod {
  readonly hash: HashName = 'SHA-256';
  private pair: Awaited<ReturnType<typeof x25519KeyPair>> | undefined;
  constructor(readonly name: string) {}

  async init(): Promise<Uint8Array> {
    this.pair = await x25519KeyPair();
    return initMessage(this.pair.publicKey);
  }

  async reply(payload: Uint8Array): Promise<KexReply> {
    const r = parseEcdhReply(payload);
    if (r.serverValue.length !== 32) throw new SshTransportError('KEX_BAD_REPLY', `the server's X25519 value has ${r.serverValue.length} bytes, not 32`);
    const shared = await x25519SharedSecret(this.pair!.privateKey, r.serverValue);
    return { hostKey: r.hostKey, signature: r.signature, exchangeValues: exchangeValues(this.pair!.publicKey, r.serverValue), sharedSecret: mpint(shared) };
  }
}

const CURVE_HASH: Readonly<Record<NistCurve, HashName>> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

/** ecdh-sha2-nistp256/384/521 (RFC 5656 §4, §6.2: the hash follows the curve size). */
export class NistEcdhKex implements KexMethod {
  readonly hash: HashName;
  private pair: Awaited<ReturnType<typeof ecdhKeyPair>> | undefined;
  constructor(readonly name: string, private readonly curve: NistCurve) {
    this.hash = CURVE_HASH[curve];
  }

  async init(): Promise<Uint8Array> {
    this.pair = await ecdhKeyPair(this.curve);
    return initMessage(this.pair.publicKey);
  }

  async reply(payload: Uint8Array): Promise<KexReply> {
    const r = parseEcdhReply(payload);
    const shared = await ecdhSharedSecret(this.pair!, r.serverValue);
    return { hostKey: r.hostKey, signature: r.signature, exchangeValues: exchangeValues(this.pair!.publicKey, r.serverValue), sharedSecret: mpint(shared) };
  }
}

/**
 * mlkem768x25519-sha256. Q_C = ML-KEM-768 public key || X25519 public key; Q_S = ML-KEM ciphertext || X25519
 * public key; K = SHA-256(ML-KEM shared secret || X25519 shared secret), encoded as a *string* (not an mpint)
 * in the exchange hash and key derivation (as OpenSSH's kex_kem_mlkem768x25519_dec does).
 */
export class MlKem768X25519Kex implements KexMethod {
  readonly name = 'mlkem768x25519-sha256';
  readonly hash: HashName = 'SHA-256';
  private kem: Awaited<ReturnType<typeof mlkem768KeyPair>> | undefined;
  private ecdh: Awaited<ReturnType<typeof x25519KeyPair>> | undefined;
  private qc: Uint8Array | undefined;

  async init(): Promise<Uint8Array> {
    this.kem = await mlkem768KeyPair();
    this.ecdh = await x25519KeyPair();
    this.qc = new Uint8Array(this.kem.publicKey.length + 32);
    this.qc.set(this.kem.publicKey);
    this.qc.set(this.ecdh.publicKey, this.kem.publicKey.length);
    return initMessage(this.qc);
  }

  async reply(payload: Uint8Array): Promise<KexReply> {
    const r = parseEcdhReply(payload);
    if (r.serverValue.length !== MLKEM768_CIPHERTEXT_BYTES + 32) {
      throw new SshTransportError('KEX_BAD_REPLY', `the server's ML-KEM reply has ${r.serverValue.length} bytes, not ${MLKEM768_CIPHERTEXT_BYTES + 32}`);
    }
    const kemSecret = await mlkem768Decapsulate(r.serverValue.subarray(0, MLKEM768_CIPHERTEXT_BYTES), this.kem!.privateKey);
    const ecdhSecret = await x25519SharedSecret(this.ecdh!.privateKey, r.serverValue.subarray(MLKEM768_CIPHERTEXT_BYTES));
    const both = new Uint8Array(kemSecret.length + ecdhSecret.length);
    both.set(kemSecret);
    both.set(ecdhSecret, kemSecret.length);
    const k = await digest('SHA-256', both);
    return {
      hostKey: r.hostKey, signature: r.signature,
      exchangeValues: exchangeValues(this.qc!, r.serverValue),
      sharedSecret: new SshWriter(40).string(k).toBytes(),
    };
  }
}
