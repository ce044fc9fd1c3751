import { describe, expect, it } from 'vitest';
import { RevocationCache } from './revocation-cache.ts';

const answer = (bytes: number, expires = Date.now() + 60_000) => ({ body: Buffer.alloc(bytes), kind: 'crl' as const, expires });

describe('RevocationCache', () => {
  it('holds at most maxBytes in all, evicting the oldest first', () => {
    const cache = new RevocationCache(250);
    cache.set('a', answer(100));
    cache.set('b', answer(100));
    expect(cache.bytes).toBe(200);
    cache.set('c', answer(100));
    expect(cache.bytes).toBe(200);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.body.length).toBe(100);
    expect(cache.get('c')?.body.length).toBe(100);
  });

  it('never keeps an answer larger than the whole cache, and 0 bytes caches nothing', () => {
    const cache = new RevocationCache(250);
    cache.set('a', answer(100));
    cache.set('huge', answer(251));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('a')).toBeDefined(); // nothing was evicted for it
    const none = new RevocationCache(0);
    none.set('a', answer(1));
    expect(none.size).toBe(0);
  });

  it('replacing a key does not count it twice; a stale answer is dropped on read', () => {
    const cache = new RevocationCache(1000);
    cache.set('a', answer(100));
    cache.set('a', answer(300));
    expect(cache.bytes).toBe(300);
    cache.set('old', answer(50, Date.now() - 1));
    expect(cache.get('old')).toBeUndefined();
    expect(cache.bytes).toBe(300);
  });

  it('also caps the number of entries', () => {
    const cache = new RevocationCache(1 << 20, 3);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, answer(1));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
  });
});
