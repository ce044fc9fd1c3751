// Which ssh_config(5) blocks apply: `Host` patterns and `Match` criteria as OpenSSH 9.2 reads them (readconf.c
// oHost and match_cfg_line, match.c match_pattern_list). Match exec, and criteria 9.2 does not know, are refused
// where their answer would count: Tessera never guesses whether a block that may change the destination applies.
import { matches } from './algorithm-list.ts';
import { UsageError } from './command.ts';

/** What the criteria are checked against during one pass over the files. */
export interface MatchContext {
  /** `Host` patterns see this: the name given (on the final pass: the host name connected to). */
  readonly host: string;
  /** `Match host` sees the HostName obtained so far (%h expanded), else `host`. */
  readonly hostName: string;
  /** `Match originalhost`: the name given on the command line. */
  readonly originalHost: string;
  /** `Match user`: the remote user known so far (-l, user@, or a User line above); else the local user. */
  readonly user: string;
  readonly localUser: string;
  /** The final pass (ssh(1) re-reads the files after a `Match final`): `Match final` and `Match canonical` hold. */
  readonly final: boolean;
}

/** readconf.c oHost: any pattern matching (* and ?, case as written) and no !pattern matching. */
export function hostLineMatches(host: string, patterns: readonly string[]): boolean {
  let hit = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (matches(negated ? p.slice(1) : p, host)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

/** match.c match_pattern_list: comma-separated patterns, !pattern excludes; `lower` lowercases the patterns. */
export function patternListMatches(value: string, list: string, lower: boolean): boolean {
  let hit = false;
  for (const item of list.split(',')) {
    const negated = item.startsWith('!');
    const p = negated ? item.slice(1) : item;
    if (matches(lower ? p.toLowerCase() : p, value)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

/** The outcome of one Match line; `wantsFinal`: it names `final`, so ssh(1) reads the files a second time. */
export interface MatchResult { readonly matched: boolean; readonly wantsFinal: boolean }

/** readconf.c match_cfg_line over the Match line's arguments (already split). Throws UsageError. */
export function evaluateMatch(args: readonly string[], ctx: MatchContext): MatchResult {
  let result = true;
  let wantsFinal = false;
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const negate = word.startsWith('!');
    const attribute = (negate ? word.slice(1) : word).toLowerCase();
    if (attribute === 'all') {
      // "all" stands alone (or after canonical/final); anything after it is an error, as in 9.2.
      if (attributes > 1 || i + 1 < args.length) throw new UsageError(`'${word}' cannot be combined with other Match attributes`);
      return { matched: result && !negate, wantsFinal };
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      if (attribute === 'final') wantsFinal = true;
      if (ctx.final === negate) result = false;
      continue;
    }
    const arg = args[i + 1];
    if (arg === undefined || arg === '') throw new UsageError(`Missing Match criteria for ${word}`);
    i++;
    let hit: boolean;
    switch (attribute) {
      case 'host': hit = patternListMatches(ctx.hostName, arg, true); break;
      case 'originalhost': hit = patternListMatches(ctx.originalHost, arg, true); break;
      case 'user': hit = patternListMatches(ctx.user, arg, false); break;
      case 'localuser': hit = patternListMatches(ctx.localUser, arg, false); break;
      case 'exec':
        // ssh(1) runs the command only when every criterion before it held; so does this refusal.
        if (!result) continue;
        throw new UsageError(`Match exec is not supported by Tessera (it would run '${arg}' to decide)`);
      default: throw new UsageError(`Unsupported Match attribute ${word}`);
    }
    if (hit === negate) result = false;
  }
  if (attributes === 0) throw new UsageError('One or more attributes required for Match');
  return { matched: result, wantsFinal };
}
