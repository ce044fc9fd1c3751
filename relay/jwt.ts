// JWT (RFC 7519) verification against a JWKS (RFC 7517). The signature is checked by
// node:crypto with the key imported from its JWK; nothing cryptographic is done by hand.
// Only asymmetric algorithms are accepted (RFC 7518 §3): "none" and HMAC never are, so a
// public key can not be misused as an HMAC secret.
import { createPublicKey, verify, type KeyObject, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { quoteClientText } from './close-reason.ts';
import { RelayConfigError, RelayError } from './errors.ts';

interface AlgSpec { readonly kty: string; readonly hash: string | null; readonly crv?: string; readonly pss?: boolean }

/** RFC 7518 §3.1 and RFC 8037 §3.1: the algorithms the relay verifies. */
const ALGORITHMS: Readonly<Record<string, AlgSpec>> = {
  RS256: { kty: 'RSA', hash: 'sha256' }, RS384: { kty: 'RSA', hash: 'sha384' }, RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true }, PS384: { kty: 'RSA', hash: 'sha384', pss: true }, PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256' }, ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384' }, ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521' },
  EdDSA: { kty: 'OKP', hash: null, crv: 'Ed25519' },
};

interface Jwk extends JsonWebKey { kid?: string; alg?: string; use?: string }
interface LoadedKey { readonly kid: string | undefined; readonly alg: string | undefined; readonly jwk: Jwk; readonly key: KeyObject }

export interface JwtClaims { readonly sub?: string; readonly iss?: string; readonly aud?: string | string[]; readonly exp?: number; readonly nbf?: number; readonly [k: string]: unknown }

export class JwksKeys {
  private constructor(private readonly keys: readonly LoadedKey[]) {}

  static fromJson(json: unknown, source = 'JWKS'): JwksKeys {
    const list = (json as { keys?: unknown })?.keys;
    if (!Array.isArray(list)) throw new RelayConfigError(`${source} has no "keys" list (RFC 7517 §5).`);
    const keys: LoadedKey[] = [];
    for (const jwk of list as Jwk[]) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (jwk.kty === 'oct') continue; // symmetric keys are never used (see above)
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      keys.push({ kid: jwk.kid, alg: jwk.alg, jwk, key });
    }
    if (keys.length === 0) throw new RelayConfigError(`${source} holds no usable public signing key.`);
    return new JwksKeys(keys);
  }

  static async fromFile(path: string): Promise<JwksKeys> {
    return JwksKeys.fromJson(JSON.parse(await readFile(path, 'utf8')), path);
  }

  /** Verifies the token and its time and audience claims; throws RelayError AUTH_INVALID. */
  verify(token: string, opts: { issuer: string | null; audience: string | null; skewSeconds: number; now?: number }): JwtClaims {
    const invalid = (why: string) => new RelayError('AUTH_INVALID', `The access token was refused: ${why}.`);
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw invalid('it is not a JWT');
    const [h64, p64, s64] = parts as [string, string, string];
    let header: { alg?: unknown; kid?: unknown; crit?: unknown };
    let claims: JwtClaims;
    try {
      header = JSON.parse(Buffer.from(h64, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p64, 'base64url').toString('utf8')) as JwtClaims;
    } catch {
      throw invalid('its header or claims are not JSON');
    }
    if (typeof claims !== 'object' || claims === null) throw invalid('its claims are not an object');
    if (header.crit !== undefined) throw invalid('it has critical header parameters the relay does not know'); // RFC 7515 §4.1.11
    const alg = typeof header.alg === 'string' ? header.alg : '';
    const spec = ALGORITHMS[alg];
    if (!spec) throw invalid(`algorithm ${quoteClientText(alg, 10)} is not accepted`);
    const candidates = this.keys.filter((k) => (header.kid === undefined || k.kid === header.kid)
      && (k.alg === undefined || k.alg === alg) && k.jwk.kty === spec.kty && (spec.crv === undefined || k.jwk.crv === spec.crv));
    if (candidates.length === 0) throw invalid('no key in the JWKS matches it');
    const data = Buffer.from(`${h64}.${p64}`, 'ascii');
    const signature = Buffer.from(s64, 'base64url');
    const ok = candidates.some(({ key }) => {
      try {
        return verify(spec.hash, data, {
          key,
          ...(spec.kty === 'EC' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
          ...(spec.pss ? { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 /* digest length */ } : {}),
        }, signature);
      } catch {
        return false;
      }
    });
    if (!ok) throw invalid('its signature does not verify');
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number') throw invalid('it has no expiry (exp)');
    if (now > claims.exp + opts.skewSeconds) throw invalid('it has expired');
    if (typeof claims.nbf === 'number' && now + opts.skewSeconds < claims.nbf) throw invalid('it is not valid yet');
    if (opts.issuer !== null && claims.iss !== opts.issuer) throw invalid('it was issued by someone else');
    if (opts.audience !== null) {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(opts.audience)) throw invalid('it is meant for another audience');
    }
    return claims;
  }
}
