// `tessera ssh -G`: the settings resolved from the command line and the ssh_config files, one "keyword value" per
// line as `ssh -G` prints them (ssh(1) 9.2 readconf.c dump_client_config: same keywords, order and spellings), for
// the keywords Tessera honours. A control character is shown as vis(3) does (\\^]). Algorithm lists are shown as given (resolved against Tessera's own defaults when it
// connects); a list not given is left out, as Tessera's defaults are not ssh(1)'s.
import type { SshArgs } from './ssh.ts';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** The lines of `ssh -G` for `a` (which must come from parseSshArgs with -G). */
export function printConfig(a: SshArgs): string {
  const lines: [string, string | undefined][] = [
    ['host', a.printConfig?.originalHost ?? a.host],
    ['user', a.user],
    ['hostname', a.host],
    ['port', String(a.port)],
    ['addressfamily', a.addressFamily === 4 ? 'inet' : a.addressFamily === 6 ? 'inet6' : 'any'],
    ['batchmode', yesNo(a.batchMode)],
    ['identitiesonly', 'yes'], // Tessera uses no agent: only the files (or a card) sign in
    ['kbdinteractiveauthentication', yesNo(a.auth.keyboardInteractive)],
    ['passwordauthentication', yesNo(a.auth.password)],
    ['pubkeyauthentication', a.auth.publickey ? 'true' : 'false'],
    ['requesttty', { auto: 'auto', request: 'true', force: 'force', never: 'false' }[a.pty]],
    ['stdinnull', yesNo(a.stdinNull)],
    ['stricthostkeychecking', a.strictHostKeyChecking === 'yes' ? 'true' : 'accept-new'],
    ['serveralivecountmax', String(a.serverAliveCountMax)],
    ['serveraliveinterval', String(a.serverAliveIntervalMs / 1000)],
    ['ciphers', a.ciphers],
    ['hostkeyalgorithms', a.hostKeyAlgorithms],
    ['kexalgorithms', a.kex],
    ['loglevel', a.verbose ? 'DEBUG' : { quiet: 'QUIET', error: 'ERROR', info: 'INFO' }[a.logLevel]],
    ['macs', a.macs],
    ['preferredauthentications', a.auth.preferred?.join(',')],
  ];
  const out = lines.filter((l): l is [string, string] => l[1] !== undefined).map(([k, v]) => `${k} ${v}`);
  // Without any, Tessera tries these (cli/ssh-session.ts), as ssh(1) tries its own list.
  const identities = a.printConfig?.identityFiles.length ? a.printConfig.identityFiles : ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
  for (const f of identities) out.push(`identityfile ${f}`);
  out.push(`userknownhostsfile ${a.printConfig?.knownHostsFile ?? a.knownHostsFile}`);
  for (const p of a.sendEnv) out.push(`sendenv ${p}`);
  for (const [n, v] of a.setEnv) out.push(`setenv ${n}=${v}`);
  out.push(`connecttimeout ${a.connectTimeoutMs / 1000}`);
  out.push(`escapechar ${a.escapeChar === 'none' ? 'none' : a.escapeChar < 32 ? `\\^${String.fromCharCode(a.escapeChar + 64)}` : String.fromCharCode(a.escapeChar)}`);
  out.push(`rekeylimit ${a.rekeyAfterBytes ?? 0} ${a.rekeyAfterMs === undefined ? 0 : a.rekeyAfterMs / 1000}`);
  return `${out.join('\n')}\n`;
}
