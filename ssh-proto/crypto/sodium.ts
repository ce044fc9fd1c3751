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
