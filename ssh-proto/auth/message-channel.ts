/**
 * What the user-auth and connection layers need from the transport; `Transport` satisfies it structurally.
 * receive() yields whole message payloads (message number first) for numbers 5-6 and >= 50.
 */
export interface MessageChannel {
  readonly sessionId: Uint8Array;
  /** RFC 8308 §3.1 server-sig-algs, undefined when the server sent no EXT_INFO. */
  readonly serverSigAlgs: readonly string[] | undefined;
  /** `tail`, when given, follows `payload` in the same message (Transport.send). */
  send(payload: Uint8Array, tail?: Uint8Array): Promise<void>;
  receive(): Promise<Uint8Array>;
}
