import { describe, expect, it } from 'vitest';
import { Profiles, RECENT_LIMIT, type Profile, type RecentConnection } from './profiles.ts';
import { MemoryStore } from './record-store.ts';

describe('profiles and recent connections', () => {
  it('keeps the most recent connections first, at most RECENT_LIMIT, one per target', async () => {
    const p = new Profiles(new MemoryStore<Profile>(), new MemoryStore<RecentConnection>());
    for (let i = 0; i < RECENT_LIMIT + 3; i++) await p.noteConnected({ host: `h${i}`, port: 22, user: 'u', auth: 'card' }, 1000 + i);
    await p.noteConnected({ host: 'h5', port: 22, user: 'u', auth: 'card' }, 5000);
    const recent = await p.recent();
    expect(recent).toHaveLength(RECENT_LIMIT);
    expect(recent[0]!.host).toBe('h5');
    expect(new Set(recent.map((r) => r.host)).size).toBe(RECENT_LIMIT);
  });

  it('saves profiles by name, sorted, and clears everything', async () => {
    const p = new Profiles(new MemoryStore<Profile>(), new MemoryStore<RecentConnection>());
    await p.save({ name: 'zeta', host: 'z', port: 22, user: 'u', auth: 'card' });
    await p.save({ name: 'alpha', host: 'a', port: 2222, user: 'u', auth: 'password' });
    expect((await p.list()).map((x) => x.name)).toEqual(['alpha', 'zeta']);
    await p.clear();
    expect(await p.list()).toEqual([]);
  });
});
