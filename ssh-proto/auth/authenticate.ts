// User authentication, RFC 4252: service request, the "none" probe, then the caller's methods in order,
// following the server's "authentications that can continue" and partial success (multi-factor).
import { MSG } from '../messages.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { AuthContext, type AttemptResult } from './context.ts';
import { AuthError } from './errors.ts';
import { passwordResponder, tryKeyboardInteractive, type PromptCallback } from './keyboard-interactive.ts';
import type { MessageChannel } from './message-channel.ts';
import { tryPublicKey, type PublicKeyOptions } from './publickey.ts';
import type { Signer } from './signer.ts';

const DEFAULT_REPLY_TIMEOUT_MS = 120_000;

/** RFC 4252 §8: shares number 60 with PK_OK and INFO_REQUEST; the method in progress tells them apart. */
const PASSWD_CHANGEREQ = 60;

export type AuthMethod = (
  | ({ type: 'publickey'; signer: Signer } & PublicKeyOptions)
  | { type: 'password'; password: string | (() => Promise<string>) }
  /** `respond`, else the options' onPrompt, answers; with `password`, password prompts are answered with it and only the rest asked. */
  | { type: 'keyboard-interactive'; respond?: PromptCallback; password?: string; submethods?: string }
) & {
  /** Tried only as a further factor, once another method had partial success (RFC 4252 §5.1). */
  readonly onlyAfterPartialSuccess?: boolean;
};

export interface AuthOptions {
  username: string;
  /** Tried in order, each only while the server lists its method as one that can continue. */
  methods: readonly AuthMethod[];
  /** USERAUTH_BANNER text (RFC 4252 §5.4). It is the server's raw text: escape control characters before display. */
  onBanner?(message: string, language: string): void;
  /** keyboard-interactive prompts for methods without their own responder. */
  onPrompt?: PromptCallback;
  /** Called after each attempt, e.g. to show "publickey accepted, password required" for multi-factor. */
  onAttempt?(event: { method: string; result: 'success' | 'partial' | 'failure'; canContinue: readonly string[] }): void;
  signal?: AbortSignal;
  /** Default "ssh-connection". */
  service?: string;
  /** How long to wait for each server reply (not for the user's prompts) before AUTH_TIMEOUT. Default 120 s. */
  replyTimeoutMs?: number;
}

export interface AuthResult {
  /** Methods that succeeded, in order (more than one after partial success). */
  readonly methods: readonly string[];
}

/** RFC 4253 §10: byte SERVICE_REQUEST, string service name. */
async function sendServiceRequest(ctx: AuthContext, name: string): Promise<void> {
  await ctx.channel.send(new SshWriter().byte(MSG.SERVICE_REQUEST).string(name).toBytes());
}

/** RFC 4253 §10: byte SERVICE_ACCEPT, string service name. */
async function awaitServiceAccept(ctx: AuthContext, name: string): Promise<void> {
  const r = new SshReader(await ctx.receive());
  const msg = r.byte();
  if (msg !== MSG.SERVICE_ACCEPT) {
    throw new AuthError('AUTH_SERVICE_REFUSED', `The server answered the ${name} request with message ${msg}.`);
  }
  const accepted = ctx.parse('SERVICE_ACCEPT', () => r.name());
  if (accepted !== name) throw new AuthError('AUTH_SERVICE_REFUSED', `The server accepted "${accepted}" instead of ${name}.`);
}

async function attempt(ctx: AuthContext, m: AuthMethod, onPrompt: PromptCallback | undefined, canContinue: readonly string[]): Promise<AttemptResult> {
  switch (m.type) {
    case 'publickey':
      return tryPublicKey(ctx, m.signer, m, canContinue);
    case 'password': {
      const password = typeof m.password === 'string' ? m.password : await m.password();
      // RFC 4252 §8: byte 50, user, service, "password", boolean FALSE, string plaintext password
      await ctx.channel.send(ctx.request('password').boolean(false).string(password).toBytes());
      const res = await ctx.reply([PASSWD_CHANGEREQ]);
      if (!('msg' in res)) return res;
      const prompt = res.r.utf8();
      throw new AuthError('AUTH_PASSWORD_CHANGE_REQUIRED', `The server requires a new password: ${prompt}`);
    }
    case 'keyboard-interactive': {
      const respond = m.password !== undefined ? passwordResponder(m.password, m.respond ?? onPrompt) : m.respond ?? onPrompt;
      if (!respond) throw new TypeError('keyboard-interactive needs a respond callback, a password, or options.onPrompt');
      return tryKeyboardInteractive(ctx, respond, m.submethods);
    }
  }
}

/**
 * Runs RFC 4252 user authentication on a fresh transport. Resolves on USERAUTH_SUCCESS;
 * rejects with AuthError (AUTH_FAILED lists the methods the server would still accept).
 */
export async function authenticate(channel: MessageChannel, options: AuthOptions): Promise<AuthResult> {
  const service = options.service ?? 'ssh-connection';
  const ctx = new AuthContext(channel, options.username, service, options.onBanner, options.signal, options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS);
  ctx.checkAborted();
  // RFC 4252 §5.2: "none" learns the methods that can continue (and succeeds for accounts without auth).
  // It goes out right behind the service request instead of after SERVICE_ACCEPT: the server handles
  // packets in order, and the login is one round trip shorter.
  await sendServiceRequest(ctx, 'ssh-userauth');
  await channel.send(ctx.request('none').toBytes());
  await awaitServiceAccept(ctx, 'ssh-userauth');
  let res = await ctx.result();
  const succeeded: string[] = [];
  if (res.ok) return { methods: ['none'] };
  let canContinue = res.methods;
  const remaining = [...options.methods];
  const tried = new Set<string>();

  for (;;) {
    const i = remaining.findIndex((m) => canContinue.includes(m.type) && (!m.onlyAfterPartialSuccess || succeeded.length > 0));
    if (i < 0) {
      const wanted = [...tried].join(', ') || 'none';
      throw new AuthError('AUTH_FAILED',
        `The server refused authentication as "${options.username}" (tried: ${wanted}; the server accepts: ${canContinue.join(', ') || 'nothing more'}).`,
        canContinue, succeeded);
    }
    const method = remaining.splice(i, 1)[0]!;
    tried.add(method.type);
    ctx.checkAborted();
    res = await attempt(ctx, method, options.onPrompt, canContinue);
    if (res.ok) {
      succeeded.push(method.type);
      options.onAttempt?.({ method: method.type, result: 'success', canContinue: [] });
      return { methods: succeeded };
    }
    // RFC 4252 §5.1: partial success means this method worked but more are required.
    if (res.partial) succeeded.push(method.type);
    options.onAttempt?.({ method: method.type, result: res.partial ? 'partial' : 'failure', canContinue: res.methods });
    canContinue = res.methods;
    if (canContinue.length === 0 && !res.partial) {
      throw new AuthError('AUTH_FAILED', `The server refused authentication as "${options.username}" and offers no other method.`, [], succeeded);
    }
  }
}
