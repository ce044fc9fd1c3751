// Base64 (RFC 4648 §4) for OpenSSH text formats. atob/btoa exist in browsers and Node >= 16.
import { KeyError } from './errors.ts';

export function toBase64(b: Uint8Array, pad = true): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  const out = btoa(s);
  return pad ? out : out.replace(/=+$/, '');
}

/** Strict decoding: whitespace is the caller's business; anything outside the alphabet is KEY_MALFORMED. */
export function fromBase64(text: string, what = 'base64 data'): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new KeyError('KEY_MALFORMED', `The ${what} is not valid base64.`);
  let s: string;
  try {
    s = atob(text);
  } catch (cause) {
    throw new KeyError('KEY_MALFORMED', `The ${what} is not valid base64.`, { cause });
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
