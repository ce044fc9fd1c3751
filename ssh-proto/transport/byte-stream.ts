/**
 * Any duplex byte stream: a WebSocket in the page, TCP in Node, a memory pipe in tests (ARCHITECTURE.md).
 * A chunk read from `readable` is the reader's: the packet decoder decrypts it in place, joins it with a neighbour
 * in the same memory (cli/slab-reads.ts) and hands out views of it, so a producer never writes into a chunk again
 * once it is enqueued.
 */
export interface ByteStream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** Two connected in-memory ByteStreams (for tests and in-process peers). */
export function memoryPipe(): [ByteStream, ByteStream] {
  const a = new TransformStream<Uint8Array, Uint8Array>();
  const b = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: a.readable, writable: b.writable },
    { readable: b.readable, writable: a.writable },
  ];
}
