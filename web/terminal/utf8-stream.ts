// SSH channel data is bytes; a UTF-8 character may be split across two packets. The terminal
// is handed bytes (xterm.js decodes UTF-8 itself, with no string round trip), so this keeps an
// incomplete trailing sequence back until the rest arrives (RFC 3629 §3): every batch the
// terminal sees ends on a character boundary, and a new session starts clean.
export class Utf8Stream {
  private held: Uint8Array = new Uint8Array(0);

  /** The complete characters so far (held bytes first); an incomplete tail is kept for the next chunk. */
  take(chunk: Uint8Array): Uint8Array {
    let bytes = chunk;
    if (this.held.length > 0) {
      bytes = new Uint8Array(this.held.length + chunk.length);
      bytes.set(this.held);
      bytes.set(chunk, this.held.length);
    }
    const cut = completePrefix(bytes);
    this.held = cut === bytes.length ? new Uint8Array(0) : bytes.slice(cut);
    return cut === bytes.length ? bytes : bytes.subarray(0, cut);
  }

  /** Bytes still held at the end of the stream (an incomplete sequence: the terminal shows nothing or U+FFFD). */
  end(): Uint8Array {
    const rest = this.held;
    this.held = new Uint8Array(0);
    return rest;
  }
}

/** The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function completePrefix(bytes: Uint8Array): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes: look back over at most 3 continuation bytes (10xxxxxx) for its lead.
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 && b <= 0xf7 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc0 && b <= 0xdf ? 2 : 1;
    return n - i < need ? i : n;
  }
  return n; // only continuation bytes: invalid, passed on for the terminal to replace
}
