// A real pipe for output tests: a FIFO whose write end a test hands to the code under test (or a child's stdout),
// read back through libuv, and the write end's status flags as the kernel keeps them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';

export const O_NONBLOCK = 0o4000;

/** Makes a FIFO at `path` and opens both ends: the read end non-blocking, the write end as asked. */
export function openFifo(path: string, writer: 'blocking' | 'non-blocking'): { readFd: number; writeFd: number } {
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  // A reader exists, so opening the write end does not wait.
  const writeFd = openSync(path, constants.O_WRONLY | (writer === 'non-blocking' ? constants.O_NONBLOCK : 0));
  return { readFd, writeFd };
}

/** The status flags of this process's descriptor `fd` (/proc/self/fdinfo): shared by every process holding it. */
export function statusFlags(fd: number): number {
  return Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? 'NaN', 8);
}

/**
 * Samples statusFlags(fd) every few milliseconds until `stop()`, which returns every flag seen set. A child's
 * Node restores its stdio flags when it exits, so a flag it set shows only while it runs.
 */
export function watchStatusFlags(fd: number): { stop(): number } {
  let seen = statusFlags(fd);
  const timer = setInterval(() => { seen |= statusFlags(fd); }, 3);
  return { stop() { clearInterval(timer); return seen | statusFlags(fd); } };
}

/** Reads `n` bytes from `readFd`, starting after `delayMs` (so that the pipe fills first); resolves with their SHA-256. */
export function sha256Of(readFd: number, n: number, delayMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let got = 0;
    setTimeout(() => {
      const socket = new Socket({ fd: readFd, readable: true, writable: false });
      socket.on('data', (d: Buffer) => {
        hash.update(d);
        got += d.length;
        if (got >= n) { socket.destroy(); resolve(hash.digest('hex')); }
      });
      socket.on('end', () => reject(new Error(`the pipe ended after ${got} of ${n} bytes`)));
      socket.on('error', reject);
    }, delayMs);
  });
}
