// The "publickey" method, RFC 4252 §7, through a Signer.
import { MSG } from '../messages.ts';
import { SshProtocolError } from '../errors.ts';
import { SshWriter } from '../wire/index.ts';
import { baseSignatureAlgorithm, keyTypeForSignatureAlgorithm, publicKeyType } from '../keys/index.ts';
import type { AttemptResult, AuthContext } from './context.ts';
import type { Signer } from './signer.ts';

export interface PublicKeyOptions {
  /** Ask the server whether it would accept the key before signing (SSH_MSG_USERAUTH_PK_OK). Default true:
   *  a card signature may cost a PIN entry or a touch. */
  query?: boolean;
  /** Allow the SHA-1 "ssh-rsa" signature algorithm. Default false (RFC 8332 §3 deprecation, OpenSSH 8.8+). */
  allowSha1Rsa?: boolean;
}

/**
 * The signature algorithms to try for this signer, best first.
 * For RSA the choice follows server-sig-algs (RFC 8308 §3.1): rsa-sha2-512 > rsa-sha2-256; never ssh-rsa unless allowed.
 * Without server-sig-algs the SHA-2 algorithms are still tried in that order (the query makes a wrong guess cheap).
 */
export function chooseAlgorithms(signer: Signer, serverSigAlgs: readonly string[] | undefined, allowSha1Rsa = false): string[] {
  const keyType = baseSignatureAlgorithm(publicKeyType(signer.publicKey));
  let algs = signer.algorithms.filter((a) => allowSha1Rsa || baseSignatureAlgorithm(a) !== 'ssh-rsa');
  if (keyType === 'ssh-rsa') {
    const rank = (a: string) => ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].indexOf(baseSignatureAlgorithm(a));
    algs = [...algs].sort((a, b) => (rank(a) < 0 ? 99 : rank(a)) - (rank(b) < 0 ? 99 : rank(b)));
    if (serverSigAlgs !== undefined) {
      const plainRsa = algs.filter((a) => keyTypeForSignatureAlgorithm(a) === 'ssh-rsa');
      const accepted = plainRsa.filter((a) => serverSigAlgs.includes(baseSignatureAlgorithm(a)));
      algs = algs.filter((a) => !plainRsa.includes(a) || accepted.includes(a));
    }
  }
  return algs;
}

/** The user-auth algorithm name for a signature algorithm and key: certificates carry the -cert- suffix. */
function requestAlgorithm(signatureAlgorithm: string, keyBlobType: string): string {
  if (keyBlobType.endsWith('-cert-v01@openssh.com') && !signatureAlgorithm.endsWith('-cert-v01@openssh.com')) {
    return `${signatureAlgorithm}-cert-v01@openssh.com`;
  }
  return signatureAlgorithm;
}

/**
 * RFC 4252 §7, the data the signature covers:
 *   string session identifier, byte SSH_MSG_USERAUTH_REQUEST, string user name, string service name,
 *   string "publickey", boolean TRUE, string public key algorithm name, string public key blob
 */
export function publicKeySignedData(sessionId: Uint8Array, user: string, service: string, algorithm: string, publicKey: Uint8Array): Uint8Array {
  return new SshWriter().string(sessionId).byte(MSG.USERAUTH_REQUEST).string(user).string(service)
    .string('publickey').boolean(true).string(algorithm).string(publicKey).toBytes();
}

/** `canContinue` is the server's last list (RFC 4252 §5.1); it stands when no algorithm is left to try for this key. */
export async function tryPublicKey(ctx: AuthContext, signer: Signer, options: PublicKeyOptions, canContinue: readonly string[]): Promise<AttemptResult> {
  const keyBlobType = publicKeyType(signer.publicKey);
  const candidates = chooseAlgorithms(signer, ctx.channel.serverSigAlgs, options.allowSha1Rsa ?? false);
  let last: AttemptResult = { ok: false, methods: [...canContinue], partial: false };
  for (const sigAlg of candidates) {
    const alg = requestAlgorithm(sigAlg, keyBlobType);
    if (options.query ?? true) {
      // byte 50, user, service, "publickey", boolean FALSE, string algorithm, string key blob
      await ctx.channel.send(ctx.request('publickey').boolean(false).string(alg).string(signer.publicKey).toBytes());
      const res = await ctx.reply([MSG.USERAUTH_PK_OK]);
      if (!('msg' in res)) {
        if (res.ok) return res; // a server may accept without a signature; nothing forbids it
        last = res;
        continue;
      }
      // byte 60, string algorithm, string key blob: must echo what we asked about.
      const [okAlg, okKey] = ctx.parse('USERAUTH_PK_OK', () => {
        const fields = [res.r.name(), res.r.string()] as const;
        res.r.end();
        return fields;
      });
      if (okAlg !== alg || !sameBytes(okKey, signer.publicKey)) {
        throw new SshProtocolError('AUTH_BAD_PK_OK', 'The server acknowledged a different key than the one offered.');
      }
    }
    ctx.checkAborted();
    const signed = publicKeySignedData(ctx.channel.sessionId, ctx.username, ctx.service, alg, signer.publicKey);
    const signature = await signer.sign(sigAlg, signed);
    await ctx.channel.send(ctx.request('publickey').boolean(true).string(alg).string(signer.publicKey).string(signature).toBytes());
    last = await ctx.result();
    if (last.ok || last.partial) return last;
  }
  return last;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
