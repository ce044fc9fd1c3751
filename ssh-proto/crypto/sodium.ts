// libsodium's WebAssembly build, loaded once and lazily (the page loads it only when SSH starts).
import type sodiumType from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodiumType;

let loading: Promise<Sodium> | undefined;

export function sodium(): Promise<Sodium> {
  loading ??= import('libsodium-wrappers-sumo').then(async (m) => {
    const s = m.default;
    await s.ready;
    return s;
  });
  return loading;
}

/**
 * The raw Emscripten module behind libsodium-wrappers (only what is used here). The hot paths call its exports on
 * reused heap areas instead of the wrappers, which allocate, copy in and copy out for every call.
 */
export interface LibSodium {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _crypto_stream_chacha20(out: number, lenLo: number, lenHi: number, nonce: number, key: number): number;
  _crypto_stream_chacha20_xor_ic(out: number, input: number, lenLo: number, lenHi: number, nonce: number, icLo: number, icHi: number, key: number): number;
  _crypto_onetimeauth(out: number, input: number, lenLo: number, lenHi: number, key: number): number;
  _crypto_onetimeauth_verify(tag: number, input: number, lenLo: number, lenHi: number, key: number): number;
}

export async function libsodium(): Promise<LibSodium> {
  return (await sodium() as unknown as { libsodium: LibSodium }).libsodium;
}

/** Starts loading libsodium now (a backend's `prepare`); a failure surfaces where it is used. */
export function preloadLibsodium(): void {
  sodium().catch(() => undefined);
}
