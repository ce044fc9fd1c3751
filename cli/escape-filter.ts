// ssh(1)'s escape sequences (ssh(1) "ESCAPE CHARACTERS", OpenSSH clientloop.c process_escapes): with a pty, the
// escape character (default ~) typed right after a newline, or as the session's first character, starts a command
// instead of being sent. This file only splits typed bytes into data and commands; cli/ssh-session.ts runs them.

/** "none": escapes disabled, the session is fully transparent (-e none). */
export type EscapeChar = number | 'none';

/** What an escape sequence asks for. `unsupported` names an ssh(1) escape Tessera does not do (said, not sent). */
export type EscapeCommand =
  | { type: 'terminate' } // ~.
  | { type: 'help' } // ~?
  | { type: 'break' } // ~B
  | { type: 'rekey' } // ~R
  | { type: 'suspend' } // ~^Z
  | { type: 'unsupported'; sequence: string; note: string };

/** The escapes ssh(1) 9.2 knows that Tessera does not: the user is told, nothing is sent (never a silent no-op). */
const UNSUPPORTED: Record<string, string> = {
  '#': 'there are no forwarded connections to list',
  '&': 'tessera ssh cannot go to the background',
  C: 'there is no command line (no port forwarding)',
  V: 'the verbosity is set on the command line',
  v: 'the verbosity is set on the command line',
};

/** -e and EscapeChar values as ssh(1) reads them: one character, ^X for a control character, or none. */
export function parseEscapeChar(value: string): EscapeChar | undefined {
  if (value === 'none') return 'none';
  if (value.length === 2 && value[0] === '^' && value.charCodeAt(1) >= 64 && value.charCodeAt(1) < 128) return value.charCodeAt(1) & 31;
  if (value.length === 1 && value.charCodeAt(0) < 128) return value.charCodeAt(0);
  return undefined;
}

/** How an escape character is shown: "~", or "^]" for a control character. */
export function showEscapeChar(c: number): string {
  return c < 32 ? `^${String.fromCharCode(c + 64)}` : String.fromCharCode(c);
}

/** ssh(1)'s ~? list, limited to what Tessera does (clientloop.c print_escape_help). */
export function escapeHelp(c: number): string {
  const e = showEscapeChar(c);
  const rows: [string, string][] = [
    ['.', 'terminate connection'],
    ['B', 'send a BREAK to the remote system'],
    ['R', 'request rekey'],
    ['^Z', 'suspend ssh'],
    ['?', 'this message'],
  ];
  return [
    `${e}?`,
    'Supported escape sequences:',
    ...rows.map(([cmd, text]) => ` ${e}${cmd.padEnd(3)} - ${text}`),
    ` ${e}${e}   - send the escape character by typing it twice`,
    '(Note that escapes are only recognized immediately after newline.)',
  ].map((l) => `${l}\r\n`).join('');
}

const CR = 0x0d;
const LF = 0x0a;

/** Splits keyboard input into bytes for the server and escape commands, keeping their order. */
export class EscapeFilter {
  /** ssh(1) starts as if after a newline: ~. works as the first thing typed. */
  private afterNewline = true;
  private pending = false;

  constructor(private readonly escapeChar: number) {}

  /** One chunk of input: the parts in order (byte runs to send, commands to run). */
  push(chunk: Uint8Array): (Uint8Array | EscapeCommand)[] {
    const out: (Uint8Array | EscapeCommand)[] = [];
    let data: number[] = [];
    const flush = () => { if (data.length > 0) { out.push(Uint8Array.from(data)); data = []; } };
    const command = (c: EscapeCommand) => { flush(); out.push(c); };
    for (const ch of chunk) {
      if (this.pending) {
        this.pending = false;
        const letter = String.fromCharCode(ch);
        if (ch === 0x2e) { command({ type: 'terminate' }); continue; }
        if (ch === 0x3f) { command({ type: 'help' }); continue; }
        if (letter === 'B') { command({ type: 'break' }); continue; }
        if (letter === 'R') { command({ type: 'rekey' }); continue; }
        if (ch === 0x1a) { command({ type: 'suspend' }); continue; }
        if (letter in UNSUPPORTED) { command({ type: 'unsupported', sequence: `${showEscapeChar(this.escapeChar)}${showEscapeChar(ch)}`, note: UNSUPPORTED[letter]! }); continue; }
        // Not a command: the escape character goes out before it, unless it is the escape character itself (~~).
        if (ch !== this.escapeChar) data.push(this.escapeChar);
      } else if (this.afterNewline && ch === this.escapeChar) {
        this.pending = true;
        continue;
      }
      this.afterNewline = ch === CR || ch === LF;
      data.push(ch);
    }
    flush();
    return out;
  }
}
