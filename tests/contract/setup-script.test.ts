// scripts/setup.sh, the first step of `npm run demo` and `npm test` (README "Two commands"): not root and a Debian
// package missing, it prints the exact apt-get line and stops before doing anything; its list covers every system
// program the tests and benchmarks use. It runs here from a scratch copy of the repository with stand-ins on PATH:
// `id -u` answers a non-root uid, `dpkg-query` reports the packages chosen as missing, and the commands that would
// change the machine (apt-get, npm, useradd, chpasswd, sudo, dpkg) only record that they were called, and fail.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';

const FORBIDDEN = ['apt-get', 'npm', 'useradd', 'chpasswd', 'sudo', 'dpkg'];

let dir: string;
let repo: string;
let shims: string;
let calls: string;
/** TMPDIR of the script (mktemp -d). */
let scratch: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-contract-setup-'));
  repo = join(dir, 'repo');
  shims = join(dir, 'bin');
  calls = join(dir, 'calls.log');
  scratch = join(dir, 'tmp');
  mkdirSync(scratch);
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  mkdirSync(shims);
  copyFileSync(join(repoRoot, 'scripts', 'setup.sh'), join(repo, 'scripts', 'setup.sh'));
  const shim = (name: string, body: string) => { writeFileSync(join(shims, name), `#!/bin/bash\n${body}\n`); chmodSync(join(shims, name), 0o755); };
  shim('id', 'if [ "$1" = -u ]; then echo "$SHIM_UID"; else exec /usr/bin/id "$@"; fi');
  // setup.sh asks `dpkg-query -W -f='${Status}' PACKAGE`, one package at a time.
  shim('dpkg-query', 'for m in $SHIM_MISSING; do [ "${@: -1}" = "$m" ] && exit 1; done; printf "install ok installed"');
  // What apt lists for openssh-server (`apt-cache madison`): SHIM_MADISON, one line per source.
  shim('apt-cache', `echo "apt-cache $*" >> '${calls}'; [ "$1" = madison ] && printf '%b' "\${SHIM_MADISON:-}"; exit 0`);
  for (const name of FORBIDDEN) shim(name, `echo "${name} $*" >> '${calls}'; exit 97`);
  // SHIM_APT=root: apt-get as root would run it; the first update finds the lists locked (another apt running),
  // update and install then succeed, and the download stops the script.
  shim('apt-get', [
    `[ "$SHIM_APT" = root ] || { echo "apt-get $*" >> '${calls}'; exit 97; }`,
    `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> '${calls}'`,
    `case " $* " in *' update '*) [ -e '${dir}/locked-once' ] && exit 0; touch '${dir}/locked-once'`,
    `  echo 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)' >&2; exit 100 ;;`,
    `*' install '*) exit 0 ;; esac; exit 97`,
  ].join('\n'));
});

afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

interface SetupRun { status: number | null; stdout: string; stderr: string; calls: string[]; created: string[]; leftInTmp: string[] }

function runSetup(env: { uid: number; missing: readonly string[]; madison?: string; apt?: 'root' }): SetupRun {
  // This machine's own DEBIAN_FRONTEND would hide whether the script sets it.
  const { DEBIAN_FRONTEND: _frontend, ...machine } = process.env;
  const r = spawnSync('bash', [join(repo, 'scripts', 'setup.sh')], {
    encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...machine, PATH: `${shims}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, TMPDIR: scratch,
      SHIM_UID: String(env.uid), SHIM_MISSING: env.missing.join(' '), SHIM_MADISON: env.madison ?? '', SHIM_APT: env.apt ?? '',
    },
  });
  let logged = '';
  try { logged = readFileSync(calls, 'utf8'); } catch { /* nothing called */ }
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [relative(repo, join(d, e.name))]);
  return {
    status: r.status, stdout: r.stdout, stderr: r.stderr, calls: logged.split('\n').filter((l) => l !== ''),
    created: walk(repo).filter((f) => f !== 'scripts/setup.sh'), leftInTmp: readdirSync(scratch),
  };
}

/** The packages of the printed line "  sudo apt-get update && sudo apt-get install -y P1 P2 ...". */
function aptLine(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.includes('apt-get install'));
  expect(line, stdout).toMatch(/^ {2}sudo apt-get update && sudo apt-get install -y \S/);
  return line!.replace(/^.*apt-get install -y /, '').trim().split(/\s+/);
}

/** Every package setup.sh checks: the line it prints when dpkg-query reports each one missing. */
function listedPackages(): string[] {
  const script = readFileSync(join(repoRoot, 'scripts', 'setup.sh'), 'utf8');
  const array = /DEB_PACKAGES=\(([\s\S]*?)\n\)/.exec(script)?.[1] ?? '';
  const names = array.split('\n').map((l) => l.replace(/#.*/, '')).join(' ').trim().split(/\s+/);
  const r = runSetup({ uid: 1000, missing: names });
  return aptLine(r.stdout);
}

describe('scripts/setup.sh, not root', () => {
  it('a Debian package missing: prints the exact apt-get line and stops (exit 1) before changing anything', () => {
    const r = runSetup({ uid: 1000, missing: ['chromium', 'dropbear-bin'] });
    expect(r.stdout).toBe('setup: missing Debian packages. Run as root:\n  sudo apt-get update && sudo apt-get install -y dropbear-bin chromium\n');
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.created).toEqual([]);
  });

  it('openssl alone missing: named in the line (the TLS and PKI cross-check tests run /usr/bin/openssl)', () => {
    const r = runSetup({ uid: 1000, missing: ['openssl'] });
    expect(aptLine(r.stdout)).toEqual(['openssl']);
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
  });

  it('nothing installed: the line names the package of every component the tests, benchmarks and demo start', () => {
    expect(listedPackages()).toEqual(expect.arrayContaining([
      'openssh-server', 'openssh-client', 'dropbear-bin', 'python3-asyncssh', 'python3-openssl', 'chromium',
      'pcscd', 'vsmartcard-vpcd', 'opensc', 'yubico-piv-tool', 'pcsc-tools', 'openssl', 'websockify', 'socat', 'g++', 'make',
    ]));
  });
});

describe('the Debian package list', () => {
  it('covers every system path that tests/ and bench/ name (its package is listed, a dependency of one, or required)', { timeout: 60_000 }, () => {
    const listed = listedPackages();
    // Depends and Pre-Depends only: an install with --no-install-recommends must still bring the file.
    const closure = new Set(execFileSync('apt-cache', ['depends', '--recurse', '--important', ...listed], { encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('<')).map((l) => l.trim().replace(/:\w+$/, '')));
    const sources = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = join(d, e.name);
      if (e.isDirectory()) return p === join(repoRoot, 'tests', 'contract') ? [] : sources(p);
      return e.name.endsWith('.ts') ? [p] : [];
    });
    const paths = new Set<string>();
    for (const file of [...sources(join(repoRoot, 'tests')), ...sources(join(repoRoot, 'bench'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(\/(?:usr|bin|sbin)\/[\w./+-]+)'/g)) paths.add(m[1]!);
    }
    expect(paths.size).toBeGreaterThan(10);
    const uncovered: string[] = [];
    for (const path of paths) {
      // dpkg -S fails for a file no installed package ships: the component is missing, which is a failure too.
      const owner = spawnSync('dpkg', ['-S', path], { encoding: 'utf8' });
      const pkg = owner.status === 0 ? owner.stdout.split(':')[0]!.trim() : undefined;
      if (pkg === undefined) { uncovered.push(`${path}: no installed package ships it`); continue; }
      if (listed.includes(pkg) || closure.has(pkg)) continue;
      const priority = execFileSync('dpkg-query', ['-W', '-f=${Priority} ${Essential}', pkg], { encoding: 'utf8' });
      if (/^required|yes$/.test(priority)) continue;
      uncovered.push(`${path}: package ${pkg} (${priority}) is not in scripts/setup.sh's list`);
    }
    expect(uncovered).toEqual([]);
  });
});

describe('scripts/setup.sh, OpenSSH 10.0 from bookworm-backports', () => {
  const BACKPORTS_LINE = 'openssh-server | 1:10.0p1-7~bpo12+1 | http://deb.debian.org/debian bookworm-backports/main amd64 Packages\\n';

  it('not root, apt\'s lists without bookworm-backports (emptied, or never updated): prints what to run and stops', () => {
    const r = runSetup({ uid: 1000, missing: [] });
    expect(r.stdout).toMatch(/^setup: OpenSSH 10\.0 comes from bookworm-backports, which apt does not list yet\. Run as root:\n {2}(printf '.*' \| sudo tee \S+ && )?sudo apt-get update\n$/);
    expect(r.status).toBe(1);
    expect(r.calls).toEqual(['apt-cache madison openssh-server']);
    expect(r.created).toEqual([]);
    expect(r.leftInTmp).toEqual([]);
  });

  it('a download that fails leaves neither its temporary folder nor a half-unpacked .peers/openssh-10', () => {
    const r = runSetup({ uid: 1000, missing: [], madison: BACKPORTS_LINE });
    expect(r.calls).toEqual(['apt-cache madison openssh-server', 'apt-get download -qq -t bookworm-backports openssh-server openssh-client']);
    expect(r.status).toBe(97);
    expect(r.created).toEqual([]);
    expect(r.leftInTmp).toEqual([]);
  });
});

describe('scripts/setup.sh, as root', () => {
  it('installs without a prompt and waits while another apt holds its lock, instead of failing at once', { timeout: 60_000 }, () => {
    const r = runSetup({ uid: 0, missing: ['socat'], madison: 'openssh-server | 1:10.0p1-7~bpo12+1 | http://deb.debian.org/debian bookworm-backports/main amd64 Packages\\n', apt: 'root' });
    const apt = ['DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600'];
    expect(r.calls.slice(0, 3)).toEqual([`${apt[0]} update -qq`, `${apt[0]} update -qq`, `${apt[0]} install -y -qq socat`]);
    expect(r.stdout).toContain('setup: another apt or dpkg holds its lock; waiting');
    // The script went on to OpenSSH 10.0, whose download the stand-in refuses: it stops there, cleaning up.
    expect(r.calls.slice(3)).toEqual(['apt-cache madison openssh-server', 'DEBIAN_FRONTEND= apt-get download -qq -t bookworm-backports openssh-server openssh-client']);
    expect(r.status).toBe(97);
    expect(r.leftInTmp).toEqual([]);
  });
});
