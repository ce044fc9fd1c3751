/**
 * Loads every reader profile of a folder of libccid-style dumps (Node only). The folder is
 * CCID_READERS_DIR, or ../shared/data/ccid-readers beside the repository by default.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReaderProfile } from './profile.ts';
import { parseProfile } from './profile.ts';

/** The repository root: two levels above this file (sim/ccid/). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function defaultProfilesDir(): string {
  const env = process.env['CCID_READERS_DIR'];
  return env ? resolve(REPO_ROOT, env) : resolve(REPO_ROOT, '..', 'shared', 'data', 'ccid-readers');
}

/**
 * Every *.txt dump holding at least one interface block. Files that are not dumps (like
 * libccid's supported_readers.txt list) are skipped; the names of skipped files are returned.
 */
export function loadProfiles(dir = defaultProfilesDir()): { profiles: ReaderProfile[]; skipped: string[] } {
  const profiles: ReaderProfile[] = [];
  const skipped: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.txt')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    if (!/^\s*idVendor:/m.test(text)) {
      skipped.push(name);
      continue;
    }
    profiles.push(parseProfile(name.replace(/\.txt$/, ''), text));
  }
  return { profiles, skipped };
}

export function loadProfile(id: string, dir = defaultProfilesDir()): ReaderProfile {
  const file = join(dir, id.endsWith('.txt') ? id : `${id}.txt`);
  return parseProfile(id.replace(/\.txt$/, ''), readFileSync(file, 'utf8'));
}
