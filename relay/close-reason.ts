// What a close frame may carry as its reason. RFC 6455 §5.5: a control frame's payload is at
// most 125 bytes, and a close frame spends 2 of them on the code, so the reason is at most
// 123 bytes of UTF-8 (§5.5.1). `ws` throws a RangeError for a longer one, so every reason the
// relay sends goes through closeReason(), and text a client chose goes in through quoteClientText().

/** RFC 6455 §5.5.1: 125 bytes of control-frame payload, less the 2-byte close code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `text` cut to at most `maxBytes` of UTF-8, on a character boundary (never half a code point). */
export function closeReason(text: string, maxBytes = MAX_CLOSE_REASON_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) { // iterates by code point, so a surrogate pair stays whole
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * Client-supplied text for a message: in single quotes, printable ASCII kept, everything else
 * (quotes, backslash, controls, non-ASCII) as a \x or \u escape, and at most `maxChars`
 * characters of output (then `...`). The result is ASCII, so its length is its size in bytes.
 */
export function quoteClientText(text: string, maxChars: number): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const piece = cp >= 0x20 && cp < 0x7f && ch !== "'" && ch !== '\\' ? ch
      : cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}`
        : cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
    if (out.length + piece.length > maxChars) return `'${out}...'`;
    out += piece;
  }
  return `'${out}'`;
}
