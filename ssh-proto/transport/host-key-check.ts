// The server's signature on the exchange hash H (RFC 4253 §8), checked with ssh-proto/keys.
import { SshError } from '../errors.ts';
import { verifySignature } from '../keys/index.ts';
import { DISCONNECT_REASON } from '../messages.ts';
import { SshTransportError } from './errors.ts';

export async function checkExchangeSignature(algorithm: string, blob: Uint8Array, signature: Uint8Array, h: Uint8Array): Promise<void> {
  let valid: boolean;
  try {
    valid = await verifySignature(algorithm, blob, signature, h);
  } catch (cause) {
    throw new SshTransportError('HOST_KEY_SIGNATURE_INVALID', `the server's ${algorithm} host key or its signature is malformed`, { cause });
  }
  if (!valid) throw new SshTransportError('HOST_KEY_SIGNATURE_INVALID', `the server's ${algorithm} signature on the key exchange does not verify: possible man-in-the-middle`);
}

/** Errors from TransportOptions.verifyHostKey, surfaced as they are but answered with HOST_KEY_NOT_VERIFIABLE. */
const hostKeyRefusals = new WeakSet<Error>();

export async function askVerifier(verify: () => Promise<void>): Promise<void> {
  try {
    await verify();
  } catch (e) {
    const err = e instanceof Error ? e : new SshTransportError('HOST_KEY_REJECTED', `the host key was refused: ${String(e)}`);
    hostKeyRefusals.add(err);
    throw err;
  }
}

/** The DISCONNECT reason we send for a local failure (RFC 4253 §11.1). */
export function disconnectReasonFor(err: Error): number {
  if (hostKeyRefusals.has(err)) return DISCONNECT_REASON.HOST_KEY_NOT_VERIFIABLE;
  const code = err instanceof SshError ? err.code : '';
  if (code === 'MAC_MISMATCH') return DISCONNECT_REASON.MAC_ERROR;
  if (code.startsWith('HOST_KEY')) return DISCONNECT_REASON.HOST_KEY_NOT_VERIFIABLE;
  if (/^(KEX|X25519|ECDH|DH_|MLKEM)/.test(code)) return DISCONNECT_REASON.KEY_EXCHANGE_FAILED;
  if (code === 'HANDSHAKE_TIMEOUT' || code === 'REKEY_TIMEOUT') return DISCONNECT_REASON.BY_APPLICATION;
  return DISCONNECT_REASON.PROTOCOL_ERROR;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
