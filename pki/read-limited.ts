// A response body read as it arrives, up to a size limit: the limit applies before the bytes are held.

/**
 * A body read up to `max` bytes; undefined (and the stream cancelled) past that. arrayBuffer() would hold all of an
 * endless answer, from a server or whoever sits on the plain-HTTP path, before the size could be checked.
 */
export async function readLimited(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
