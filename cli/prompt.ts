// Prompts of `tessera ssh` (passphrases, passwords, keyboard-interactive, the card's PIN): one line from stdin, a
// terminal in raw mode without echo, or a pipe.
import { stderr } from './stderr.ts';

/** A prompt got no answer: standard input ended (PROMPT_INPUT_ENDED), or Ctrl+C was typed (PROMPT_CANCELLED). */
export class PromptError extends Error {
  override readonly name = 'PromptError';
  constructor(readonly code: 'PROMPT_INPUT_ENDED' | 'PROMPT_CANCELLED', message: string) {
    super(message);
  }
}

/**
 * Reads one line from stdin (a terminal in raw mode, or a pipe: `echo PIN | tessera ssh --card ...`). `what` names
 * the answer in the sentence given when stdin ends first, e.g. "the PIN was given; nothing was signed".
 */
export function readSecret(prompt: string, echo = false, what = 'the answer was given'): Promise<string> {
  const stdin = process.stdin;
  stderr().write(prompt);
  const ended = () => new PromptError('PROMPT_INPUT_ENDED', `standard input ended before ${what}.`);
  if (stdin.readableEnded) { stderr().write('\n'); return Promise.reject(ended()); }
  // A pipe's handle keeps the process alive only while a prompt reads it: `(echo PIN; sleep 600) | tessera ssh ...`
  // must not hold a command that is over (a refused PIN ends the login; nothing reads stdin after it).
  const handle = stdin as { ref?(): void; unref?(): void };
  return new Promise((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    if (stdin.isTTY) stdin.setRawMode(true);
    handle.ref?.();
    stdin.resume();
    let answer = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      handle.unref?.();
      stderr().write('\n');
      if (err) reject(err); else resolve(answer);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') { finish(); return; }
        if (ch === '\u0003') { finish(new PromptError('PROMPT_CANCELLED', 'cancelled at the prompt.')); return; }
        if (ch === '\u007f' || ch === '\b') { answer = answer.slice(0, -1); continue; }
        answer += ch;
        if (echo) stderr().write(ch);
      }
    };
    // A pipe that ends: its last line counts without a newline (`printf %s "$PIN" |`), as with readpassphrase(3).
    const onEnd = () => finish(answer === '' ? ended() : undefined);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
}
