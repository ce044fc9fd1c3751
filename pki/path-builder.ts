/** Path building (RFC 4158 in miniature): depth-first from the leaf, best candidates first, bounded. */
import { bytesEqual, toHex } from './bytes.ts';
import type { Certificate } from './certificate.ts';

export interface BuildLimits {
  /** Most certificates in a path, anchor excluded. */
  readonly maxDepth: number;
  /** Most complete candidate paths handed out. */
  readonly maxPaths: number;
  /** Most issuer look-ups in all. */
  readonly maxSteps: number;
}

export const DEFAULT_LIMITS: BuildLimits = { maxDepth: 12, maxPaths: 32, maxSteps: 2000 };

export interface CandidatePath {
  /** Leaf first; the last one was issued by `anchor`. */
  readonly chain: readonly Certificate[];
  readonly anchor: Certificate;
}

export interface BuildState {
  exhausted: boolean;
  /** A path reached `maxDepth` certificates and was not extended. */
  depthCut?: boolean;
  /**
   * Where the longest unfinished path ended, for the NO_PATH reason: `cert`'s issuer was in neither pool
   * (`loop` false), or only certificates already on the path name it (`loop` true).
   */
  deadEnd?: { readonly cert: Certificate; readonly length: number; readonly loop: boolean };
}

/** Higher is a better issuer guess for `cert`: key identifiers agree, and valid now. */
function score(cert: Certificate, issuer: Certificate, time: Date): number {
  let s = 0;
  const aki = cert.ext.authorityKeyId;
  const ski = issuer.ext.subjectKeyId;
  if (aki && ski) s += bytesEqual(aki, ski) ? 4 : -4;
  if (issuer.notBefore <= time && time <= issuer.notAfter) s += 2;
  if (issuer.ext.basicConstraints?.ca) s += 1;
  return s;
}

/**
 * The certificates of `from` whose subject is `cert`'s issuer (§7.1 names: equal keys), best first. Indexed by subject
 * and remembered per issuer name and AKI: each step of the walk looked through the whole pool, and a pool of 870
 * same-named cross-certificates took 16 s of the page's one thread to reach the work limit.
 */
class IssuerIndex {
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly ranked = new Map<string, readonly Certificate[]>();

  constructor(from: readonly Certificate[], private readonly time: Date) {
    for (const c of from) {
      const list = this.bySubject.get(c.subject.key);
      if (list) list.push(c);
      else this.bySubject.set(c.subject.key, [c]);
    }
  }

  of(cert: Certificate): readonly Certificate[] {
    const aki = cert.ext.authorityKeyId;
    const key = `${cert.issuer.key}\n${aki ? toHex(aki) : ''}`;
    let out = this.ranked.get(key);
    if (!out) {
      out = (this.bySubject.get(cert.issuer.key) ?? [])
        .map((c, i) => ({ c, s: score(cert, c, this.time), i }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .map((x) => x.c);
      this.ranked.set(key, out);
    }
    return out;
  }
}

/** `list` without repeats (same DER) and without the certificates of `skip`, in order. */
function distinct(list: readonly Certificate[], skip: readonly Certificate[]): Certificate[] {
  const seen = new Set(skip.map((c) => c.id));
  const out: Certificate[] = [];
  for (const c of list) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(c);
  }
  return out;
}

/** Yields candidate paths in preference order; `state.exhausted` is set if a limit cut the search. */
export function* buildPaths(
  leaf: Certificate, pool: readonly Certificate[], anchors: readonly Certificate[], time: Date,
  limits: BuildLimits, state: BuildState,
): Generator<CandidatePath, void, undefined> {
  // The same certificate given twice would double every path through it and crowd others out of maxPaths.
  const uniqueAnchors = distinct(anchors, []);
  const anchorIndex = new IssuerIndex(uniqueAnchors, time);
  const intermediates = new IssuerIndex(distinct(pool, [leaf, ...uniqueAnchors]), time);
  let steps = 0;
  let paths = 0;
  const chain: Certificate[] = [leaf];
  // Loop detection: a certificate, or the same subject and key, never appears twice in one path.
  const onPath = new Set<string>([leaf.id]);
  const keys = new Map<Certificate, string>();
  const keyOf = (c: Certificate): string => {
    let k = keys.get(c);
    if (k === undefined) {
      k = `${c.subject.key}|${toHex(c.spki)}`;
      keys.set(c, k);
    }
    return k;
  };
  const keysOnPath = new Set<string>([keyOf(leaf)]);

  function* walk(): Generator<CandidatePath, void, undefined> {
    const top = chain[chain.length - 1] as Certificate;
    if (++steps > limits.maxSteps) {
      state.exhausted = true;
      return;
    }
    const fromAnchors = anchorIndex.of(top);
    for (const anchor of fromAnchors) {
      if (paths >= limits.maxPaths) {
        state.exhausted = true;
        return;
      }
      paths++;
      yield { chain: [...chain], anchor };
    }
    const named = intermediates.of(top);
    // The path never holds a certificate twice, nor the same subject and key twice.
    const candidates = named.filter((c) => !onPath.has(c.id) && !keysOnPath.has(keyOf(c)));
    if (candidates.length > 0 && chain.length >= limits.maxDepth) {
      state.depthCut = true;
      return;
    }
    if (candidates.length === 0 && fromAnchors.length === 0 && chain.length > (state.deadEnd?.length ?? 0)) {
      state.deadEnd = { cert: top, length: chain.length, loop: named.length > 0 };
    }
    for (const next of candidates) {
      chain.push(next);
      onPath.add(next.id);
      keysOnPath.add(keyOf(next));
      yield* walk();
      chain.pop();
      onPath.delete(next.id);
      keysOnPath.delete(keyOf(next));
      if (state.exhausted) return;
    }
  }
  yield* walk();
}
