// The ssh_config(5) keywords of OpenSSH 9.2 that Tessera does not honour (cli/ssh-options.ts honours the rest), and
// what becomes of them in a config file or -o. Three kinds:
// - obsolete: ssh(1) itself ignores them (readconf.c oDeprecated, oUnsupported, oIgnore);
// - no effect: Tessera has no such feature, and going without it changes neither where it connects, nor as whom,
//   nor which host key it trusts (GSSAPI, compression, agents...): taken, with no effect;
// - unimplemented: the feature would change the route, what runs or what is trusted (ProxyJump, forwarding,
//   connection sharing, HostKeyAlias...): refused naming it, except for the value that turns it off. A silent direct
//   connection where ssh(1) would have gone through a jump host is never made.
import { UsageError } from './command.ts';

const OBSOLETE = new Set([
  'protocol', 'cipher', 'fallbacktorsh', 'globalknownhostsfile2', 'rhostsauthentication', 'userknownhostsfile2', 'useroaming',
  'usersh', 'useprivilegedport', 'useblacklistedkeys', 'afstokenpassing', 'kerberosauthentication', 'kerberostgtpassing',
  'rsaauthentication', 'rhostsrsaauthentication', 'compressionlevel',
]);

/** Taken with no effect (README: `tessera ssh` section). HashKnownHosts: new known_hosts lines are written unhashed. */
const NO_EFFECT = new Set([
  'gssapiauthentication', 'gssapidelegatecredentials', 'gssapikeyexchange', 'gssapitrustdns', 'gssapiclientidentity',
  'gssapiserveridentity', 'gssapirenewalforcesrekey', 'gssapikexalgorithms', 'hashknownhosts', 'addkeystoagent', 'identityagent',
  'compression', 'ipqos', 'tcpkeepalive', 'visualhostkey', 'fingerprinthash', 'numberofpasswordprompts', 'connectionattempts',
  'checkhostip', 'updatehostkeys', 'nohostauthenticationforlocalhost', 'enablesshkeysign', 'kbdinteractivedevices', 'logverbose',
  'syslogfacility', 'xauthlocation', 'forwardx11timeout', 'forwardx11trusted', 'streamlocalbindmask', 'streamlocalbindunlink',
  'exitonforwardfailure', 'clearallforwardings', 'gatewayports', 'permitremoteopen', 'canonicaldomains', 'canonicalizefallbacklocal',
  'canonicalizemaxdots', 'canonicalizepermittedcnames', 'requiredrsasize', 'securitykeyprovider', 'hostbasedacceptedalgorithms',
  'hostbasedkeytypes', 'pubkeyacceptedalgorithms', 'pubkeyacceptedkeytypes', 'enableescapecommandline', 'tunneldevice',
  'proxyusefdpass', 'localcommand', // LocalCommand runs only with PermitLocalCommand=yes, which is refused
]);

/** Refused unless given the value(s) that turn them off (compared case-insensitively). */
const UNIMPLEMENTED: Record<string, { off: readonly string[]; what: string }> = {
  proxyjump: { off: ['none'], what: 'a jump host (it changes the route)' },
  proxycommand: { off: ['none'], what: 'a proxy command (it changes the route)' },
  localforward: { off: [], what: 'local port forwarding' },
  remoteforward: { off: [], what: 'remote port forwarding' },
  dynamicforward: { off: [], what: 'dynamic port forwarding' },
  controlmaster: { off: ['no'], what: 'connection sharing' },
  controlpath: { off: ['none'], what: 'connection sharing' },
  controlpersist: { off: ['no'], what: 'connection sharing' },
  forwardagent: { off: ['no'], what: 'agent forwarding' },
  forwardx11: { off: ['no'], what: 'X11 forwarding' },
  tunnel: { off: ['no'], what: 'tunnel forwarding' },
  canonicalizehostname: { off: ['no'], what: 'host name canonicalization (it changes which host is reached)' },
  hostkeyalias: { off: [], what: 'a host key alias (known_hosts looked up under another name)' },
  knownhostscommand: { off: ['none'], what: 'host keys from a command' },
  revokedhostkeys: { off: ['none'], what: 'a revoked host keys list (Tessera would not refuse those keys)' },
  casignaturealgorithms: { off: [], what: 'limiting the CA signature algorithms (Tessera would not apply the limit)' },
  verifyhostkeydns: { off: ['no'], what: 'host keys from DNS (SSHFP)' },
  bindaddress: { off: [], what: 'binding to a local address' },
  bindinterface: { off: [], what: 'binding to an interface' },
  remotecommand: { off: ['none'], what: 'a remote command from the configuration (give it on the command line)' },
  sessiontype: { off: ['default'], what: 'subsystems and sessions without a command' },
  forkafterauthentication: { off: ['no'], what: 'going to the background' },
  permitlocalcommand: { off: ['no'], what: 'local commands' },
  hostbasedauthentication: { off: ['no'], what: 'host-based authentication' },
  pkcs11provider: { off: ['none'], what: 'PKCS#11 (use --card)' },
  smartcarddevice: { off: ['none'], what: 'PKCS#11 (use --card)' },
  certificatefile: { off: ['none'], what: 'certificate files (use --card-cert)' },
};

/** ssh_config(5)'s own structure: valid only in files, read by cli/ssh-config.ts. */
export const STRUCTURE = new Set(['host', 'match', 'include', 'ignoreunknown']);

/** Whether OpenSSH 9.2 knows `keyword` among those Tessera does not honour (lower case). */
export function isUnhonouredKeyword(keyword: string): boolean {
  return OBSOLETE.has(keyword) || NO_EFFECT.has(keyword) || keyword in UNIMPLEMENTED;
}

/** Accepts a known keyword Tessera does not honour, or throws UsageError naming what Tessera does not do. */
export function checkUnhonoured(keyword: string, display: string, args: readonly string[]): void {
  const u = UNIMPLEMENTED[keyword];
  if (u === undefined) return;
  if (args.length === 1 && u.off.includes(args[0]!.toLowerCase())) return;
  throw new UsageError(`${display} ${args.join(' ')}: Tessera does not do ${u.what}${u.off.length > 0 ? `; only ${display} ${u.off.join('|')} is accepted` : ''}`);
}
