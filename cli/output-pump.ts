// Session output to stdout/stderr straight from the channel (ssh-proto InboundSource): chunks are taken as packets
// arrive, with no ReadableStream, promise or task per packet. Taking a chunk credits its bytes to the channel window
// (RFC 4254 §5.2), so while the sink is full nothing is taken and the server is held back by the window.
import type { InboundSource } from '../ssh-proto/index.ts';

/** Where output goes: cli/fd-writer.ts for a pipe or file, `streamSink` for a terminal or socket. */
export interface OutputSink {
  /** Queues a chunk (kept by reference); false when the caller should wait for `drained()`. */
  write(chunk: Uint8Array): boolean;
  drained(): Promise<void>;
  /** Resolves once everything queued is written (or the sink failed). */
  flushed(): Promise<void>;
  /** Set once a write failed (EPIPE: the reader went away); later output is dropped. */
  readonly error: Error | undefined;
  /** Lets go of the underlying stream's listeners (after the session). */
  dispose?(): void;
}

/**
 * Copies `source` into `sink` until the channel ends; resolves once the sink flushed. A failed sink (a closed
 * stdout) makes the rest be taken and dropped, so the window keeps moving and the remote command can finish;
 * `onSinkFailed` is called once when the failure is first seen.
 * A failed connection ends it too: the session reports that error.
 */
export function pumpOutput(source: InboundSource, sink: OutputSink, onSinkFailed?: () => void): Promise<void> {
  return new Promise((resolve) => {
    let ended = false;
    let waiting = false;
    let failed = false;
    const pump = (): void => {
      if (waiting) return;
      for (let chunk = source.take(); chunk; chunk = source.take()) {
        if (sink.error && !failed) { failed = true; onSinkFailed?.(); }
        if (sink.error || sink.write(chunk) || sink.error) continue;
        waiting = true;
        void sink.drained().then(() => { waiting = false; pump(); });
        return;
      }
      if (ended) void sink.flushed().then(resolve, resolve);
    };
    source.listen({ data: pump, end: () => { ended = true; pump(); } });
  });
}

/** A Node stream (a terminal, a socket) as an OutputSink. Node flushes these before the process exits. */
export function streamSink(out: NodeJS.WriteStream): OutputSink {
  let error: Error | undefined;
  const onError = (err: Error) => { error = err; };
  out.on('error', onError);
  return {
    get error() { return error; },
    write: (chunk) => out.write(chunk),
    drained: () => new Promise<void>((resolve) => {
      const settle = () => { out.off('drain', settle); out.off('error', settle); out.off('close', settle); resolve(); };
      out.once('drain', settle);
      out.once('error', settle);
      out.once('close', settle);
    }),
    flushed: () => Promise.resolve(),
    dispose: () => { out.off('error', onError); },
  };
}
