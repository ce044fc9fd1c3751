// The one crypto provider of ssh-proto (ARCHITECTURE.md): WebCrypto and libsodium, no hand-written primitives.
// Each family lives in its own file; add its exports here by name.
export { sodium } from './sodium.ts';
export type { Sodium } from './sodium.ts';
export { randomBytes } from './random.ts';
