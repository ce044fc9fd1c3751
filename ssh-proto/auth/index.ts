// ssh-proto/auth: RFC 4252 user authentication (none, publickey through a Signer, password) and RFC 4256 keyboard-interactive.
export { authenticate } from './authenticate.ts';
export type { AuthMethod, AuthOptions, AuthResult } from './authenticate.ts';
export { AuthError } from './errors.ts';
export { chooseAlgorithms, publicKeySignedData } from './publickey.ts';
export type { PublicKeyOptions } from './publickey.ts';
export { passwordResponder, MAX_INFO_ROUNDS } from './keyboard-interactive.ts';
export type { Prompt, PromptRequest, PromptCallback } from './keyboard-interactive.ts';
export type { Signer } from './signer.ts';
export type { MessageChannel } from './message-channel.ts';
