// Shared state of one user-auth conversation (RFC 4252 §5): the request header, the reply reader, banners.
import { MSG } from '../messages.ts';
import { SshError, SshProtocolError } from '../errors.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { AuthError } from './errors.ts';
import type { MessageChannel } from './message-channel.ts';

/** How one request ended: success, or failure with the methods that can continue (RFC 4252 §5.1). */
export type AttemptResult = { ok: true } | { ok: false; methods: string[]; partial: boolean };

export class AuthContext {
  constructor(
    readonly channel: MessageChannel,
    readonly username: string,
    readonly service: string,
    private readonly onBanner: ((message: string, language: string) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly replyTimeoutMs: number,
  ) {}

  /**
   * The next message, bounded: the caller's AbortSignal and a per-reply timeout end the wait with a typed error
   * (a stalled server must not hang the login). The transport is then closed by the caller.
   * `deadline` (ms since the epoch) lets one reply span several messages without extending the wait.
   */
  async receive(deadline = Date.now() + this.replyTimeoutMs): Promise<Uint8Array> {
    this.checkAborted();
    const pending = this.channel.receive();
    pending.catch(() => undefined); // may lose the race below; its failure is the transport's to report
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AuthError('AUTH_TIMEOUT',
        `The server did not answer within ${Math.round(this.replyTimeoutMs / 1000)} s during authentication.`)), Math.max(0, deadline - Date.now()));
      onAbort = () => reject(new AuthError('AUTH_CANCELLED', 'Authentication was cancelled.', [], [], { cause: this.signal?.reason }));
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** SSH_MSG_USERAUTH_REQUEST header: byte 50, string user, string service, string method. */
  request(method: string): SshWriter {
    return new SshWriter().byte(MSG.USERAUTH_REQUEST).string(this.username).string(this.service).string(method);
  }

  /**
   * Reads the fields of a server message. SshReader throws typed errors; anything else (a bug on hostile input)
   * becomes AUTH_MALFORMED_MESSAGE, so that authenticate() never fails untyped because of what the server sent.
   */
  parse<T>(what: string, read: () => T): T {
    try {
      return read();
    } catch (cause) {
      if (cause instanceof SshError) throw cause;
      throw new SshProtocolError('AUTH_MALFORMED_MESSAGE', `The server's ${what} could not be read.`, { cause });
    }
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw new AuthError('AUTH_CANCELLED', 'Authentication was cancelled.', [], [], { cause: this.signal.reason });
  }

  /**
   * The next reply, banners consumed on the way (RFC 4252 §5.4: a banner may come at any time before success).
   * Returns SUCCESS/FAILURE as an AttemptResult, or a reader positioned after a message number in `expect`.
   */
  async reply(expect: readonly number[] = []): Promise<AttemptResult | { msg: number; r: SshReader }> {
    // One deadline for the reply: banners are not an answer, so a server trickling them cannot hold the login
    // open past AUTH_TIMEOUT (RFC 4252 §5.4 allows banners, not an endless wait).
    const deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      const payload = await this.receive(deadline);
      const r = new SshReader(payload);
      const msg = r.byte();
      if (msg === MSG.USERAUTH_BANNER) {
        const [message, language] = this.parse('USERAUTH_BANNER', () => [r.utf8(), r.name()] as const);
        this.onBanner?.(message, language);
        continue;
      }
      if (msg === MSG.USERAUTH_SUCCESS) {
        r.end();
        return { ok: true };
      }
      if (msg === MSG.USERAUTH_FAILURE) {
        // byte 51, name-list authentications that can continue, boolean partial success
        return this.parse('USERAUTH_FAILURE', () => {
          const methods = r.nameList();
          const partial = r.boolean();
          r.end();
          return { ok: false, methods, partial } as const;
        });
      }
      if (expect.includes(msg)) return { msg, r };
      throw new SshProtocolError('AUTH_UNEXPECTED_MESSAGE', `The server sent message ${msg} during user authentication.`);
    }
  }

  /** A reply that must be SUCCESS or FAILURE. */
  async result(): Promise<AttemptResult> {
    const res = await this.reply();
    if ('msg' in res) throw new SshProtocolError('AUTH_UNEXPECTED_MESSAGE', `The server sent message ${res.msg} during user authentication.`);
    return res;
  }
}
