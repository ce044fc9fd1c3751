/** Revocation: supplied and fetched OCSP responses and CRLs, a cache, and the require/prefer/off policy. */
import { isoDate, toHex } from './bytes.ts';
import type { Certificate } from './certificate.ts';
import { label } from './certificate.ts';
import type { Crl } from './crl.ts';
import { parseCrl } from './crl.ts';
import { PkiParseError, clause } from './errors.ts';
import type { OcspCheck, OcspResponse } from './ocsp.ts';
import { buildOcspRequest, ocspStatus, parseOcspResponse } from './ocsp.ts';
import type { DistributionPoint } from './extensions.ts';
import type { CertStatus } from './revocation-crl.ts';
import { crlStatus, isFinalRevocation } from './revocation-crl.ts';
import type { SignaturePolicy } from './signature.ts';
import { readLimited } from './read-limited.ts';

/** The subset of `fetch` used; the page passes one that goes through the relay. */
export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer>; signal?: AbortSignal }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  /** The body as a stream (a fetch Response's `body`): when given, it is read only up to the size limit. */
  readonly body?: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/**
 * require: unknown status fails the path (fail closed).
 * prefer: unknown status is a warning (soft-fail); a revoked certificate still fails.
 * off: no revocation checking.
 */
/** Whether `signer` has a valid path to `anchor` (RFC 5280 §6.3.3 (f)). */
type ValidateSigner = (signer: Certificate, anchor: Certificate) => Promise<boolean>;

export type RevocationMode = 'require' | 'prefer' | 'off';

export interface RevocationOptions {
  readonly mode: RevocationMode;
  readonly crls?: readonly (Uint8Array | Crl)[];
  /** DER OCSPResponses, e.g. stapled by an RFC 6187 server or read from a file. */
  readonly ocspResponses?: readonly Uint8Array[];
  /** When given, CRL distribution points and OCSP responders (http/https) are fetched through it. */
  readonly fetch?: FetchLike;
  readonly cache?: CrlCache;
  /** Send a nonce in fetched OCSP requests and require it back (RFC 8954). Default false. */
  readonly ocspNonce?: boolean;
  /** Without nextUpdate, an OCSP response older than this is stale. Default 7 days. */
  readonly ocspMaxAgeSeconds?: number;
  /** A fetch without an answer after this long fails (its status stays unknown, and the mode decides). Default FETCH_TIMEOUT_MS. */
  readonly fetchTimeoutMs?: number;
  /** All fetches of one validation together end after this long. Default FETCH_BUDGET_MS. */
  readonly fetchBudgetMs?: number;
}

/**
 * How long one CRL or OCSP fetch may take: a responder that accepts the connection and never answers must not hold
 * the signature forever (hard-fail must end as REVOCATION_UNKNOWN). Longer than the relay's own upstream timeout
 * (10 s, relay/config.ts), so that its answer comes first.
 */
export const FETCH_TIMEOUT_MS = 20_000;

/**
 * Bounds on the fetches of one validation. URLs come from certificates and from fetched CRLs (freshestCRL) before
 * anything is verified, so a plain-HTTP answer could name hundreds of URLs that never answer: each costing a timeout,
 * the verdict would take hours. Past either bound a URL is not fetched, and the verdict says so.
 */
export const MAX_FETCHES = 16;
export const FETCH_BUDGET_MS = 60_000;

/** Without nextUpdate a fetched CRL says nothing about when to look again; it is kept this long (seconds). */
export const CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE = 3600;

/**
 * Fetched CRLs whose signature and scope a validation verified, kept until their nextUpdate (RFC 5280 §5.1.2.5),
 * or for CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE when they have none. An unverified body is never kept: one bad answer
 * on a plain-HTTP fetch must not pin the URL.
 */
export class CrlCache {
  private readonly byUrl = new Map<string, { readonly crl: Crl; readonly until: Date }>();

  get(url: string, time: Date): Crl | undefined {
    const e = this.byUrl.get(url);
    if (e && e.until < time) {
      this.byUrl.delete(url);
      return undefined;
    }
    return e?.crl;
  }

  /** `time`: the validation time at which the CRL was fetched and verified. */
  set(url: string, crl: Crl, time: Date): void {
    this.byUrl.set(url, { crl, until: crl.nextUpdate ?? new Date(time.getTime() + CRL_CACHE_TTL_WITHOUT_NEXT_UPDATE * 1000) });
  }
}

const FETCH_LIMIT = 10 * 1024 * 1024;

export class RevocationChecker {
  readonly mode: RevocationMode;
  private readonly ocsp: OcspResponse[] = [];
  private readonly cache: CrlCache;
  private readonly memo = new Map<string, Promise<CertStatus>>();
  private readonly inflight = new Set<string>();
  /**
   * Fetch answers of this run (a body, or why there is none): each CRL URL and each OCSP question is fetched once,
   * however many candidate paths need it; a responder that never answers costs one timeout, not one per path.
   */
  private readonly crlAnswers = new Map<string, Promise<Crl | string>>();
  private readonly ocspAsked = new Map<string, { readonly answer: Promise<Uint8Array | string>; readonly nonce?: Uint8Array }>();
  /** Fetches made in this run, and when the first began (MAX_FETCHES, FETCH_BUDGET_MS). */
  private fetches = 0;
  private fetchStart: number | undefined;
  /** CRLs fetched in this run and not yet verified, by CRL id: their URLs. */
  private readonly fetched = new Map<string, string[]>();

  constructor(
    private readonly options: RevocationOptions,
    private readonly crls: Crl[],
    private readonly candidates: readonly Certificate[],
    private readonly time: Date,
    private readonly signature: SignaturePolicy,
    /** Why supplied CRLs could not be read; every unknown status names them, as any of them may have been the one. */
    private readonly unreadable: readonly string[] = [],
  ) {
    this.mode = options.mode;
    this.cache = options.cache ?? new CrlCache();
    const notRead: string[] = [];
    for (const [n, der] of (options.ocspResponses ?? []).entries()) {
      try {
        this.ocsp.push(parseOcspResponse(der));
      } catch (err) {
        if (!(err instanceof PkiParseError)) throw err;
        notRead.push(`supplied OCSP response ${n + 1} could not be used: ${clause(err.message)}`);
      }
    }
    this.unreadable = [...unreadable, ...notRead];
  }

  private check(anchor: Certificate, validateSigner: ValidateSigner, nonce?: Uint8Array): OcspCheck {
    return {
      time: this.time, signature: this.signature, skewSeconds: 300,
      maxAgeSeconds: this.options.ocspMaxAgeSeconds ?? 7 * 86400, ...(nonce ? { nonce } : {}),
      responderRevocation: (responder, issuer) => this.responderRevocation(responder, issuer, anchor, validateSigner),
    };
  }

  /**
   * RFC 6960 §4.2.2.2.1: a delegated responder without id-pkix-ocsp-nocheck is checked by CRL only (asking OCSP
   * about the responder could loop). Revoked refuses it; unknown refuses it under `require` only, as for any status.
   */
  private async responderRevocation(responder: Certificate, issuer: Certificate, anchor: Certificate, validateSigner: ValidateSigner): Promise<string | undefined> {
    const problems: string[] = [...this.unreadable];
    if (this.options.fetch) await this.fetchCrls(responder, problems);
    const s = await crlStatus(responder, issuer, anchor, {
      time: this.time, signature: this.signature, crls: this.crls, candidates: this.candidates, validateSigner,
      verified: (crl) => this.remember(crl),
    });
    const who = `the OCSP responder certificate "${label(responder)}"`;
    if (s.status === 'revoked') return `${who} was revoked on ${isoDate(s.date)} by ${s.by}`;
    if (s.status === 'unknown' && this.mode === 'require') return `${who} has no id-pkix-ocsp-nocheck and its own status is unknown (${withProblems(s.why, problems)})`;
    return undefined;
  }

  /** The status of `cert`, issued by `issuer`, under `anchor`; asked once per validation run. */
  status(
    cert: Certificate, issuer: Certificate, anchor: Certificate,
    validateSigner: ValidateSigner,
  ): Promise<CertStatus> {
    const key = `${cert.id}/${issuer.id}/${anchor.id}`;
    // Re-entered while being decided (a CRL signer whose path needs this very status): a cycle.
    if (this.inflight.has(key)) return Promise.resolve({ status: 'unknown', why: 'its status depends on itself through CRL signers' });
    let p = this.memo.get(key);
    if (!p) {
      this.inflight.add(key);
      p = this.lookup(cert, issuer, anchor, validateSigner).finally(() => this.inflight.delete(key));
      this.memo.set(key, p);
    }
    return p;
  }

  private async lookup(
    cert: Certificate, issuer: Certificate, anchor: Certificate,
    validateSigner: ValidateSigner,
  ): Promise<CertStatus> {
    let ocspWhy: string | undefined;
    const problems: string[] = [...this.unreadable];
    for (const r of this.ocsp) {
      const s = await ocspStatus(r, cert, issuer, this.check(anchor, validateSigner));
      if (s?.status === 'good') return this.unlessRevokedAtHand(s, cert, issuer, anchor, validateSigner);
      if (s?.status === 'revoked') return s;
      if (s) ocspWhy = s.why;
    }
    // A staple that matched the CertID but gave no usable answer (wrong signer, stale, "unknown") is only a reason:
    // the CertID is public, so anyone can staple one, and it must not stand in for the responder in the AIA
    // (RFC 6960 §3.2, §4.2.2.2; RFC 6066 §8: a client may still ask the responder itself).
    if (this.options.fetch) {
      const s = await this.fetchOcsp(cert, issuer, this.check(anchor, validateSigner), problems);
      if (s?.status === 'good') return this.unlessRevokedAtHand(s, cert, issuer, anchor, validateSigner);
      if (s?.status === 'revoked') return s;
      if (s?.status === 'unknown') ocspWhy = ocspWhy === undefined ? s.why : `${ocspWhy}; the responder: ${s.why}`;
    }
    if (this.options.fetch) await this.fetchCrls(cert, problems);
    const s = await crlStatus(cert, issuer, anchor, {
      time: this.time, signature: this.signature, crls: this.crls, candidates: this.candidates, validateSigner,
      verified: (crl) => this.remember(crl),
    });
    if (s.status !== 'unknown') return s;
    return { status: 'unknown', why: withProblems(ocspWhy === undefined ? s.why : `${ocspWhy}, and ${s.why}`, problems) };
  }

  /**
   * An OCSP "good" stands unless a CRL already at hand (supplied, cached, or fetched in this run; nothing is fetched
   * for it) shows a final revocation: revocation cannot be undone (RFC 5280 §5.3.1), while a "good" response from
   * before it can be replayed, by a server stapling it, until its nextUpdate.
   */
  private async unlessRevokedAtHand(
    good: CertStatus, cert: Certificate, issuer: Certificate, anchor: Certificate, validateSigner: ValidateSigner,
  ): Promise<CertStatus> {
    for (const url of uris(cert.ext.crlDistributionPoints)) {
      const cached = this.cache.get(url, this.time);
      if (cached && !this.crls.some((c) => c.id === cached.id)) this.crls.push(cached);
    }
    if (this.crls.length === 0) return good;
    const s = await crlStatus(cert, issuer, anchor, {
      time: this.time, signature: this.signature, crls: this.crls, candidates: this.candidates, validateSigner,
      verified: (crl) => this.remember(crl),
    });
    return s.status === 'revoked' && isFinalRevocation(s.reason) ? s : good;
  }

  /** The body, or why there is none (a sentence fragment naming the URL). */
  private async get(url: string, init?: Parameters<FetchLike>[1]): Promise<Uint8Array | string> {
    const f = this.options.fetch;
    if (!f) return `${url} was not fetched`;
    if (!/^https?:\/\//i.test(url)) return `${url} was not fetched (only http and https are)`;
    if (this.fetches >= MAX_FETCHES) return `${url} was not fetched (this validation already made ${MAX_FETCHES} fetches)`;
    const budget = this.options.fetchBudgetMs ?? FETCH_BUDGET_MS;
    this.fetchStart ??= Date.now();
    const left = this.fetchStart + budget - Date.now();
    if (left <= 0) return `${url} was not fetched (the ${budget / 1000} s for this validation's fetches were used up)`;
    this.fetches++;
    const ms = Math.min(this.options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS, left);
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(`${url} gave no answer within ${ms / 1000} s`);
      }, ms);
    });
    const fetched = (async (): Promise<Uint8Array | string> => {
      try {
        const res = await f(url, { ...init, signal: abort.signal });
        if (!res.ok) return `${url} answered with HTTP status ${res.status}`;
        const body = res.body ? await readLimited(res.body, FETCH_LIMIT) : new Uint8Array(await res.arrayBuffer());
        return body === undefined || body.length > FETCH_LIMIT ? `${url} answered with more than ${FETCH_LIMIT >> 20} MiB` : body;
      } catch (err) {
        return `${url} could not be fetched (${clause(err instanceof Error ? err.message : String(err))})`;
      }
    })();
    try {
      return await Promise.race([fetched, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A fetched CRL whose signature and scope crlStatus verified goes into the cache (review 9, finding 9). */
  private remember(crl: Crl): void {
    for (const url of this.fetched.get(crl.id) ?? []) this.cache.set(url, crl, this.time);
    this.fetched.delete(crl.id);
  }

  /**
   * Fetches the CRLs of `cert`'s distribution points and its delta CRLs: those its freshestCRL names (§4.2.1.15), and
   * those the complete CRLs fetched name (§5.2.6). Why a URL gave none goes into `problems`.
   */
  private async fetchCrls(cert: Certificate, problems: string[]): Promise<void> {
    const tried = new Set<string>();
    const complete = await this.fetchCrlUrls([...uris(cert.ext.crlDistributionPoints), ...uris(cert.ext.freshestCrl)], tried, problems);
    await this.fetchCrlUrls(complete.flatMap((crl) => uris(crl.freshestCrl)), tried, problems);
  }

  /** The CRLs at `urls` (from the cache or fetched), each URL once; they join the run's CRLs. */
  private async fetchCrlUrls(urls: readonly string[], tried: Set<string>, problems: string[]): Promise<Crl[]> {
    const out: Crl[] = [];
    for (const url of urls) {
      if (tried.has(url)) continue;
      tried.add(url);
      let crl: Crl | string | undefined = this.cache.get(url, this.time);
      if (!crl) {
        // Fetched and parsed once per run: every path through this certificate's issuer needs the same CRL.
        let answer = this.crlAnswers.get(url);
        if (!answer) {
          answer = this.fetchCrl(url);
          this.crlAnswers.set(url, answer);
        }
        crl = await answer;
      }
      if (typeof crl === 'string') {
        problems.push(crl);
        continue;
      }
      const id = crl.id;
      if (!this.crls.some((c) => c.id === id)) this.crls.push(crl);
      out.push(crl);
    }
    return out;
  }

  /** The CRL at `url`, or why there is none. */
  private async fetchCrl(url: string): Promise<Crl | string> {
    const body = await this.get(url);
    if (typeof body === 'string') return body;
    try {
      const crl = parseCrl(body);
      this.fetched.set(crl.id, [...(this.fetched.get(crl.id) ?? []), url]);
      return crl;
    } catch (err) {
      if (!(err instanceof PkiParseError)) throw err;
      return `${url} did not answer with a CRL (${clause(err.message)})`;
    }
  }

  /** Asks `cert`'s OCSP responders; why one gave no answer about it goes into `problems`. */
  private async fetchOcsp(cert: Certificate, issuer: Certificate, check: OcspCheck, problems: string[]): Promise<CertStatus | undefined> {
    for (const url of cert.ext.ocspUrls) {
      // Asked once per run for one CertID (certificate and issuer key): cross-certified paths share the answer.
      const key = `${url}\n${cert.id}\n${toHex(issuer.publicKey)}`;
      let asked = this.ocspAsked.get(key);
      if (!asked) {
        const nonce = this.options.ocspNonce ? globalThis.crypto.getRandomValues(new Uint8Array(16)) : undefined;
        const answer = buildOcspRequest(cert, issuer, nonce).then((request) => this.get(url, {
          method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(request),
        }));
        asked = nonce ? { answer, nonce } : { answer };
        this.ocspAsked.set(key, asked);
      }
      const { nonce } = asked;
      const body = await asked.answer;
      if (typeof body === 'string') {
        problems.push(body);
        continue;
      }
      try {
        const resp = parseOcspResponse(body);
        const s = await ocspStatus(resp, cert, issuer, nonce ? { ...check, nonce } : check);
        if (s) return s;
        problems.push(`${url} answered about other certificates`);
      } catch (err) {
        if (!(err instanceof PkiParseError)) throw err;
        problems.push(`${url} did not answer with an OCSP response (${clause(err.message)})`);
      }
    }
    return undefined;
  }
}

/** The http(s) and other URIs among distribution point full names. */
function uris(dps: readonly DistributionPoint[] | undefined): string[] {
  return (dps ?? []).flatMap((dp) => (dp.fullName ?? []).flatMap((g) => (g.kind === 'uri' ? [g.value] : [])));
}

/** A reason for an unknown status, with why the fetches on the way failed (the first few: it is shown to a person). */
function withProblems(why: string, problems: readonly string[]): string {
  if (problems.length === 0) return why;
  const shown = problems.length > 6 ? [...problems.slice(0, 5), `and ${problems.length - 5} more`] : problems;
  return `${why} (${shown.join('; ')})`;
}
