// The revocation endpoint's cache: answers kept until their nextUpdate, bounded by total bytes
// (not only by entries: one CRL may be maxBytes long), the oldest evicted first.

export interface CachedAnswer {
  readonly body: Buffer;
  /** Which endpoint answered: decides the fixed Content-Type it is served with (revocation.ts). */
  readonly kind: 'crl' | 'ocsp';
  /** Epoch milliseconds after which the answer is stale. */
  readonly expires: number;
}

export class RevocationCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private total = 0;

  /** @param maxBytes total body bytes held (0: cache nothing). */
  constructor(private readonly maxBytes: number, private readonly maxEntries = 1024) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A current answer, or undefined (a stale one is dropped). */
  get(key: string, now = Date.now()): CachedAnswer | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires > now) return hit;
    this.delete(key);
    return undefined;
  }

  /** Keeps `answer` unless it is larger than the whole cache; evicts the oldest entries to make room. */
  set(key: string, answer: CachedAnswer): void {
    this.delete(key);
    if (answer.body.length > this.maxBytes) return;
    for (const oldest of this.entries.keys()) {
      if (this.total + answer.body.length <= this.maxBytes && this.entries.size < this.maxEntries) break;
      this.delete(oldest);
    }
    this.entries.set(key, answer);
    this.total += answer.body.length;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.total -= old.body.length;
  }
}
