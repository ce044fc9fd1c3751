/** Any duplex byte stream: a WebSocket in the page, TCP in Node, a memory pipe in tests (ARCHITECTURE.md). */
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
