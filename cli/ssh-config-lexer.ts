// One ssh_config(5) line as OpenSSH 9.2 splits it (readconf.c process_config_line_depth): the keyword ends at blanks
// or at one "=" (misc.c strdelim), and the arguments are split as misc.c argv_split does: quotes keep blanks, \" \' \\
// and (outside quotes) "\ " escape, a word starting with # ends the line. The same split serves `-o Keyword=value`.

/** Thrown for a line that cannot be split; callers add the file and line (cli/ssh-config.ts) or the -o. */
export class ConfigSyntaxError extends Error {
  readonly code = 'SSH_CONFIG_SYNTAX';
  override readonly name = 'ConfigSyntaxError';
}

/** "Keyword value", "Keyword=value", "Keyword = value": the keyword (as written) and the rest, or undefined for a blank or comment line. */
export function splitKeyword(line: string): { keyword: string; rest: string } | undefined {
  // Trailing blanks (and a form feed) are dropped first, as readconf.c does.
  const text = line.replace(/[ \t\r\n\f]+$/, '').replace(/^[ \t\r\n]+/, '');
  if (text === '' || text.startsWith('#')) return undefined;
  const m = /^([^ \t\r\n="]*)([ \t\r\n]*=?[ \t\r\n]*)([\s\S]*)$/.exec(text);
  const keyword = m?.[1] ?? '';
  if (keyword === '') throw new ConfigSyntaxError(`'${text}' does not start with a keyword`);
  return { keyword, rest: m?.[3] ?? '' };
}

/** misc.c argv_split(s, ..., terminate_on_comment=1). */
export function argvSplit(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '#') break;
    let word = '';
    let quote = '';
    for (; i < s.length; i++) {
      const ch = s[i]!;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) { word += next; i++; } else word += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else word += ch;
    }
    if (quote !== '') throw new ConfigSyntaxError('invalid quotes (a quote is not closed)');
    out.push(word);
  }
  return out;
}
