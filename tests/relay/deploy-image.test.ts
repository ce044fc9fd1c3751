// The container image as deploy/Dockerfile assembles it, without Docker: the runtime stage's files
// (its `COPY --from=build` lines), the production dependencies only (`npm prune --omit=dev`), and the
// shipped example configuration, started with the image's ENTRYPOINT and CMD. The relay must start
// from that file set alone and answer the image's HEALTHCHECK (/healthz) and its page's name.
// What the build stage produces (the page in dist/) is stood in for by a one-line index.html.
// The image's ENV applies, and nothing can be written to the temporary directory, as with the
// read-only root file system of deploy/README.md's Kubernetes example.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../peers/index.ts';
import { startPeer, type Peer } from '../support/index.ts';

const dockerfile = readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8');
const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
const jsonArray = (instruction: string): string[] => JSON.parse(new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(runtime)?.[1] ?? '[]') as string[];

let dir: string | undefined;
let peer: Peer | undefined;
afterAll(async () => {
  await peer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The top-level packages `npm ci --omit=dev` keeps: what the image's node_modules holds. */
function productionPackages(): string[] {
  // npm ls exits 1 over an extraneous package in a developer's tree; its list is still complete.
  const out = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 16 << 20 }).stdout;
  const top = new RegExp(`^${join(repoRoot, 'node_modules').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/((?:@[^/]+/)?[^/]+)$`);
  return [...new Set(out.split('\n').map((l) => top.exec(l.trim())?.[1]).filter((p): p is string => p !== undefined))];
}

describe('deploy/Dockerfile runtime stage', () => {
  it('starts from the files the image holds and answers its health check', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-image-'));
    const app = join(dir, 'opt/tessera');
    mkdirSync(app, { recursive: true });
    let config = '';
    for (const m of runtime.matchAll(/^COPY (--from=build )?(\S+) (\S+)$/gm)) {
      const [, fromBuild, src = '', dest = ''] = m;
      if (!fromBuild) { // COPY deploy/relay.example.yaml /etc/tessera/relay.yaml: from the build context
        config = join(dir, dest);
        mkdirSync(dirname(config), { recursive: true });
        cpSync(join(repoRoot, src), config);
        continue;
      }
      const rel = src.replace(/^\/src\/?/, '');
      const to = join(app, dest.endsWith('/') ? join(dest, basename(rel)) : dest);
      if (rel === 'node_modules') {
        mkdirSync(to, { recursive: true });
        for (const p of productionPackages()) {
          mkdirSync(dirname(join(to, p)), { recursive: true });
          symlinkSync(join(repoRoot, 'node_modules', p), join(to, p));
        }
      } else if (rel === 'dist') {
        mkdirSync(to, { recursive: true });
        writeFileSync(join(to, 'index.html'), '<!doctype html><title>page</title>\n');
      } else {
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(repoRoot, rel), to, { recursive: true });
      }
    }
    expect(config, 'the image ships a configuration').not.toBe('');
    const command = [...jsonArray('ENTRYPOINT'), ...jsonArray('CMD')].map((a) => (a === '/etc/tessera/relay.yaml' ? config : a));
    expect(command.slice(0, 3)).toEqual(['node', 'cli/tessera.js', 'relay']);
    const imageEnv = Object.fromEntries([...runtime.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    // A file as TMPDIR: nothing can be created under it, whoever runs the test (root included).
    const unwritable = join(dir, 'read-only-tmp');
    writeFileSync(unwritable, '');
    // Port 0: the relay binds a port the system picks and logs it, so no port drawn beforehand can be taken meanwhile.
    peer = startPeer(process.execPath, [...command.slice(1), '--listen', '127.0.0.1:0'], { cwd: app, env: { ...process.env, ...imageEnv, TMPDIR: unwritable } });
    const port = Number((await peer.waitForOutput(/"event":"listening","url":"ws:\/\/127\.0\.0\.1:(\d+)"/, 60_000))[1]);
    // The HEALTHCHECK's request, then the page under the example's public name.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const page = await new Promise<string>((resolve, reject) => {
      void import('node:http').then(({ get }) => get({ host: '127.0.0.1', port, path: '/', headers: { Host: 'ssh.example.com' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      }).on('error', reject));
    });
    expect(page).toMatch(/^200 <!doctype html>/);
  }, 120_000);
});
