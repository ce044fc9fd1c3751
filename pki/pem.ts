/** PEM (RFC 7468) or DER input: every block of a PEM file, or the bytes as DER. */
import { readTlv } from './der.ts';
import { PkiParseError } from './errors.ts';

/** Concatenated DER structures, split at their top-level boundaries. */
function splitDer(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let pos = 0; pos < input.length;) {
    const t = readTlv(input, pos);
    out.push(input.subarray(t.start, t.end));
    pos = t.end;
  }
  return out;
}

/** Returns the DER of each PEM block with `label` (any label when omitted), or each DER structure of a DER input. */
export function decodePemOrDer(input: Uint8Array, label?: string): Uint8Array[] {
  // DER always starts with a SEQUENCE here; anything else is read as PEM text.
  if (input[0] === 0x30) return splitDer(input);
  const all = new TextDecoder().decode(input);
  const out: Uint8Array[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of all.matchAll(re)) {
    if (label !== undefined && m[1] !== label) continue;
    const b64 = (m[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new PkiParseError('MALFORMED_PEM', `The PEM block "${m[1]}" is not valid base64.`);
    const bin = atob(b64);
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  if (out.length === 0) throw new PkiParseError('MALFORMED_PEM', `No ${label ?? 'PEM'} block was found.`);
  return out;
}
