// Host pattern matching as OpenSSH's match.c: "*" and "?" wildcards, comma-separated lists,
// "!" negation that overrides any positive match (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), hostnames case-insensitive.

/** Glob match of `s` against `pattern` with * (any run) and ? (one character). Iterative: no exponential backtracking. */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const pc = pattern[pi];
    if (pc === '*') {
      star = pi++;
      mark = si;
    } else if (pc !== undefined && (pc === '?' || pc === s[si])) {
      pi++;
      si++;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** 1: matched, -1: matched a negated pattern (never a match), 0: no match. As match_pattern_list(). */
export function matchPatternList(s: string, list: string): 1 | 0 | -1 {
  const name = s.toLowerCase();
  let result: 1 | 0 = 0;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const p = (negated ? raw.slice(1) : raw).toLowerCase();
    if (p === '') continue;
    if (matchPattern(name, p)) {
      if (negated) return -1;
      result = 1;
    }
  }
  return result;
}

/** The name known_hosts stores for a host: "host" on port 22, "[host]:port" otherwise. */
export function hostKeyName(host: string, port = 22): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}
