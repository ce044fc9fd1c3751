// SSH channel data is bytes; a UTF-8 character may be split across two packets. A TextDecoder
// in stream mode keeps the partial sequence until the rest arrives (WHATWG Encoding §10.2.1).
export class Utf8Stream {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  /** Decodes one chunk; an incomplete trailing sequence is held for the next chunk. */
  decode(chunk: Uint8Array): string {
    return this.decoder.decode(chunk, { stream: true });
  }

  /** Flushes at end of stream: an incomplete sequence becomes U+FFFD. */
  end(): string {
    return this.decoder.decode();
  }
}
