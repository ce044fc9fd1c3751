/** Small byte helpers. */

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function u8(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A copy in a fresh ArrayBuffer, as WebCrypto wants a BufferSource it owns. */
export function ab(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer;
}

/** An INTEGER's content as a canonical hex key: leading 00 sign pad removed. */
export function serialKey(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && ((b[i + 1] as number) & 0x80) === 0) i++;
  return toHex(b.subarray(i));
}

export function isoDate(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'an invalid date' : d.toISOString().slice(0, 10);
}
