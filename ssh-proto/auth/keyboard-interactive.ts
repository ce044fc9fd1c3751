// The "keyboard-interactive" method, RFC 4256.
import { MSG } from '../messages.ts';
import { SshWriter, type SshReader } from '../wire/index.ts';
import { AuthError } from './errors.ts';
import type { AttemptResult, AuthContext } from './context.ts';

export interface Prompt { readonly prompt: string; readonly echo: boolean }

/** One SSH_MSG_USERAUTH_INFO_REQUEST, as shown to the user. */
export interface PromptRequest {
  readonly name: string;
  readonly instruction: string;
  readonly prompts: readonly Prompt[];
}

/** Answers every prompt, in order; reject (or throw) to cancel. */
export type PromptCallback = (request: PromptRequest) => Promise<readonly string[]>;

/** A hostile server could ask forever; OpenSSH's PAM conversations need a handful of rounds. */
export const MAX_INFO_ROUNDS = 32;
const MAX_PROMPTS = 64;

export async function tryKeyboardInteractive(ctx: AuthContext, respond: PromptCallback, submethods = ''): Promise<AttemptResult> {
  // byte 50, user, service, "keyboard-interactive", string language tag (deprecated, empty), string submethods
  await ctx.channel.send(ctx.request('keyboard-interactive').string('').string(submethods).toBytes());
  for (let round = 0; ; round++) {
    const res = await ctx.reply([MSG.USERAUTH_INFO_REQUEST]);
    if (!('msg' in res)) return res;
    if (round >= MAX_INFO_ROUNDS) {
      throw new AuthError('AUTH_TOO_MANY_PROMPTS', `The server asked more than ${MAX_INFO_ROUNDS} rounds of questions; authentication was stopped.`);
    }
    // byte 60, string name, string instruction, string language tag, int num-prompts, (string prompt, boolean echo)*
    const { name, instruction, prompts } = ctx.parse('USERAUTH_INFO_REQUEST', () => readInfoRequest(res.r));
    let answers: readonly string[] = [];
    try {
      // An empty round (OpenSSH's PAM path ends with one) needs no user involvement.
      if (prompts.length > 0 || name !== '' || instruction !== '') answers = await respond({ name, instruction, prompts });
    } catch (cause) {
      throw new AuthError('AUTH_CANCELLED', 'Authentication was cancelled at a prompt.', [], [], { cause });
    }
    if (answers.length !== prompts.length) {
      throw new AuthError('AUTH_CANCELLED', `${prompts.length} answers were needed, ${answers.length} given.`);
    }
    ctx.checkAborted();
    // byte 61, int num-responses, string response*
    const w = new SshWriter().byte(MSG.USERAUTH_INFO_RESPONSE).uint32(answers.length);
    for (const a of answers) w.string(a);
    await ctx.channel.send(w.toBytes());
  }
}

function readInfoRequest(r: SshReader): PromptRequest {
  const name = r.utf8();
  const instruction = r.utf8();
  r.string(); // language tag
  const count = r.uint32();
  if (count > MAX_PROMPTS) throw new AuthError('AUTH_TOO_MANY_PROMPTS', `The server sent ${count} prompts at once.`);
  const prompts: Prompt[] = [];
  for (let i = 0; i < count; i++) prompts.push({ prompt: r.utf8(), echo: r.boolean() });
  r.end();
  return { name, instruction, prompts };
}

/**
 * A hidden prompt for the account's password ("Password:", "(user@host) Password:", PAM's localised "Passwort:",
 * "Current password:"). Not "passcode": RSA SecurID and many RADIUS setups ask the token's code so. Not a new one
 * (PAM's "New password:", "Retype new password:" for an expired password): the user chooses it.
 */
const isPasswordPrompt = (p: Prompt) => !p.echo && /\bpass(word|wort|phrase)\b/i.test(p.prompt) && !/\b(new|retype|again|confirm|repeat)\b/i.test(p.prompt);

/**
 * A responder that answers password-looking, non-echoed prompts with a known password. What else the server says or
 * asks (a one-time code, a notice) goes to `others`, with only the prompts left to answer; without it, an unknown
 * prompt cancels and a notice is skipped.
 */
export function passwordResponder(password: string, others?: PromptCallback): PromptCallback {
  return async (request) => {
    const known = request.prompts.map(isPasswordPrompt);
    const left = request.prompts.filter((_, i) => !known[i]);
    if (!others) {
      if (left.length > 0) throw new AuthError('AUTH_CANCELLED', `No answer is known for the prompt "${left[0]!.prompt}".`);
      return request.prompts.map(() => password);
    }
    const answers = left.length > 0 || request.name !== '' || request.instruction !== '' ? await others({ ...request, prompts: left }) : [];
    if (answers.length !== left.length) throw new AuthError('AUTH_CANCELLED', `${left.length} answers were needed, ${answers.length} given.`);
    let next = 0;
    return request.prompts.map((_, i) => (known[i] ? password : answers[next++]!));
  };
}
