// KexAlgorithms, Ciphers, MACs and HostKeyAlgorithms values as ssh_config(5) spells them: a list replaces the default;
// "+list" appends to it, "-list" removes from it (wildcards * and ? allowed), "^list" puts at its head. Every name
// must be one Tessera can run: ssh(1) refuses unknown names too ("Bad SSH2 cipher spec"), and a name the server would
// merely not match must not hide a typo until the handshake fails.
import { UsageError } from './command.ts';

/** `pattern` with * and ? (ssh match.c match_pattern) against `name`. */
export function matches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/**
 * Resolves `spec` (the -o value) against `defaults`; `supported` is what may be named. Throws UsageError naming
 * the option and the name it cannot use.
 */
export function resolveAlgorithmList(option: string, spec: string, defaults: readonly string[], supported: readonly string[]): string[] {
  const mode = spec[0] === '+' || spec[0] === '-' || spec[0] === '^' ? spec[0] : '';
  const names = spec.slice(mode.length).split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`${option} '${spec}' has an empty name`);
  if (mode === '-') {
    const left = defaults.filter((d) => !names.some((p) => matches(p, d)));
    if (left.length === 0) throw new UsageError(`${option} '${spec}' leaves nothing to offer`);
    return left;
  }
  for (const n of names) {
    if (!supported.includes(n)) throw new UsageError(`${option}: '${n}' is not supported by Tessera (it supports ${supported.join(', ')})`);
  }
  if (mode === '+') return [...defaults, ...names.filter((n) => !defaults.includes(n))];
  if (mode === '^') return [...names, ...defaults.filter((d) => !names.includes(d))];
  return [...new Set(names)];
}
