// Reading a byte stream to its end, counting: shared by the browser probe (layers-probe.ts, which runs when
// loaded, so Node cannot import it) and the Node side of the layer benchmark (layers.ts).

export interface ProbeResult { bytes: number; ms: number; chunks: number; maxChunk: number; frames?: number; frameBytes?: number }

/** Reads `readable` to its end; `ms` counts from `t0` (performance.now()). */
export async function drain(readable: ReadableStream<Uint8Array>, t0: number): Promise<ProbeResult> {
  const reader = readable.getReader();
  let bytes = 0, chunks = 0, maxChunk = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.length; chunks++; maxChunk = Math.max(maxChunk, value.length);
  }
  return { bytes, ms: performance.now() - t0, chunks, maxChunk };
}
