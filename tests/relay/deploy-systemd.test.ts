// deploy/tessera-relay.service, read as systemd reads it. No systemd runs here, so the unit is
// checked against what was shown by hand (helper-status, relay helper, session 11):
//  - the service runs as a dynamic user that owns no file, and ConfigurationDirectory= leaves
//    /etc/tessera's owner as it is (systemd.exec(5)): a configuration installed 0640 root:root is
//    unreadable to it (the relay, run as such a uid, stopped with EACCES);
//  - V8 calls pkey_alloc at start, which @system-service lacks (systemd 252): under that allow-list
//    with no error number, node was killed with SIGSYS before it listened (a seccomp filter built
//    from `systemd-analyze syscall-filter`), and ran a session with @pkey added.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';

const unit = readFileSync(join(repoRoot, 'deploy/tessera-relay.service'), 'utf8');
const settings = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');

describe('deploy/tessera-relay.service', () => {
  it('installs the configuration readable by the dynamic user', () => {
    expect(settings('DynamicUser')).toEqual(['yes']);
    const installs = [...unit.matchAll(/install .*-m (\d{3,4}) \S+ (\/etc\/tessera\/\S+)/g)];
    expect(installs.map((m) => m[2])).toContain('/etc/tessera/relay.yaml');
    for (const [line, mode] of installs) expect(Number.parseInt(mode ?? '0', 8) & 0o004, line).toBe(0o004);
    // The relay reads the file it is told to: the one installed.
    expect(settings('ExecStart')[0]).toContain('--config /etc/tessera/relay.yaml');
  });

  it('lets node start under its system call filter', () => {
    const allowed = settings('SystemCallFilter').flatMap((v) => v.split(/\s+/));
    expect(allowed).toContain('@system-service');
    // pkey_alloc at V8's start: allowed, and anything else unlisted fails with an error instead of SIGSYS.
    expect(allowed).toContain('@pkey');
    expect(settings('SystemCallErrorNumber')).toEqual(['EPERM']);
  });
});
