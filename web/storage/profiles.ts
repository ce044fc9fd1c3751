// Saved connection profiles and the recent-connections list. Host, port, user and the sign-in
// method only: never a password.
import type { RecordStore } from './record-store.ts';

export type AuthMethod = 'card' | 'password';

export interface Profile {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: AuthMethod;
}

export interface RecentConnection extends Profile {
  readonly at: number;
}

export const RECENT_LIMIT = 8;

export function profileKey(p: { host: string; port: number; user: string }): string {
  return `${p.user}@${p.host}:${p.port}`;
}

/** user@host:port as people read it, an IPv6 address in brackets (RFC 3986 §3.2.2): a saved profile's name. */
export function targetLabel(p: { host: string; port: number; user: string }): string {
  return `${p.user}@${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

export class Profiles {
  constructor(private readonly saved: RecordStore<Profile>, private readonly recents: RecordStore<RecentConnection>) {}

  async list(): Promise<Profile[]> {
    return (await this.saved.list()).sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(profile: Profile): Promise<void> { await this.saved.put(profile.name, profile); }
  async remove(name: string): Promise<void> { await this.saved.remove(name); }

  /** Most recent first, at most RECENT_LIMIT (older ones are dropped). */
  async recent(): Promise<RecentConnection[]> {
    return (await this.recents.list()).sort((a, b) => b.at - a.at).slice(0, RECENT_LIMIT);
  }

  async noteConnected(p: Omit<Profile, 'name'>, now = Date.now()): Promise<void> {
    const key = profileKey(p);
    await this.recents.put(key, { ...p, name: key, at: now });
    const all = (await this.recents.list()).sort((a, b) => b.at - a.at);
    for (const old of all.slice(RECENT_LIMIT)) await this.recents.remove(profileKey(old));
  }

  async clear(): Promise<void> { await this.saved.clear(); await this.recents.clear(); }
}
