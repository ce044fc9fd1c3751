// cli/fd-writer.ts on a real pipe (a FIFO): thread-pool writes to a blocking pipe, and the handover to Node's
// stream when the pipe is non-blocking (another process sharing it set O_NONBLOCK), with every byte kept in order.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FdWriter } from '../../cli/fd-writer.ts';
import { pumpOutput, streamSink } from '../../cli/output-pump.ts';
import { InboundStream } from '../../ssh-proto/connection/inbound-stream.ts';
import { makeTempDir, removeTempDir } from '../peers/index.ts';
import { O_NONBLOCK, openFifo, sha256Of, statusFlags } from '../support/index.ts';

/** A channel's output as cli/output-pump.ts takes it: all of `data`, in `chunk`-sized packets, then its end. */
function sourceOf(data: Buffer, chunk: number): InboundStream {
  const source = new InboundStream(() => undefined);
  for (let at = 0; at < data.length; at += chunk) source.push(data.subarray(at, at + chunk));
  source.end();
  return source;
}

describe('FdWriter on a pipe', () => {
  let dir: string;
  let fifo: string;
  beforeEach(() => {
    dir = makeTempDir();
    fifo = join(dir, 'out.fifo');
  });
  afterEach(() => removeTempDir(dir));

  const payload = randomBytes(6 * 1024 * 1024);
  const digest = createHash('sha256').update(payload).digest('hex');

  it('writes a blocking pipe on the thread pool, all bytes in order, and leaves it blocking', { timeout: 30_000 }, async () => {
    const { readFd, writeFd } = openFifo(fifo, 'blocking');
    let streamAsked = false;
    const writer = FdWriter.forPipeOrFile(writeFd, () => { streamAsked = true; throw new Error('not wanted'); })!;
    expect(writer).toBeDefined();
    // The reader starts late: the pipe fills and the pool's writes wait for it.
    const read = sha256Of(readFd, payload.length, 300);
    await pumpOutput(sourceOf(payload, 32 * 1024), writer);
    expect(await read).toBe(digest);
    expect(writer.error).toBeUndefined();
    expect(streamAsked).toBe(false);
    expect(writer.handedOver).toBe(false);
    expect(statusFlags(writeFd) & O_NONBLOCK).toBe(0);
    closeSync(writeFd);
  });

  it('a non-blocking pipe (EAGAIN) hands what is queued and all later output to Node\'s stream, in order', { timeout: 30_000 }, async () => {
    const { readFd, writeFd } = openFifo(fifo, 'non-blocking');
    let stream: Socket | undefined;
    const writer = FdWriter.forPipeOrFile(writeFd, () => streamSink((stream = new Socket({ fd: writeFd, readable: false, writable: true })) as unknown as NodeJS.WriteStream))!;
    const read = sha256Of(readFd, payload.length, 300);
    await pumpOutput(sourceOf(payload, 32 * 1024), writer);
    expect(await read).toBe(digest);
    expect(writer.handedOver).toBe(true);
    expect(writer.error).toBeUndefined();
    writer.dispose();
    stream?.destroy(); // closes writeFd
  });

  it('a reader that goes away (EPIPE) fails the writer; the rest of the output is taken and dropped, with no hang', { timeout: 30_000 }, async () => {
    const { readFd, writeFd } = openFifo(fifo, 'blocking');
    const writer = FdWriter.forPipeOrFile(writeFd, () => { throw new Error('not wanted'); })!;
    const source = sourceOf(payload, 32 * 1024);
    const done = pumpOutput(source, writer);
    closeSync(readFd); // the only reader: the next write fails with EPIPE
    await done;
    expect((writer.error as NodeJS.ErrnoException | undefined)?.code).toBe('EPIPE');
    expect(source.buffered).toBe(0);
    closeSync(writeFd);
  });
});
