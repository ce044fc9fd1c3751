// known_hosts trust for `tessera ssh` (OpenSSH sshconnect.c check_host_key): a known key is accepted, an unknown one
// refused (or recorded with accept-new), a changed one always refused with OpenSSH's warning. A host known only with
// keys of another type is refused too, as ssh(1) 9.2 does (it calls that a changed key), accept-new or not.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SshArgs } from './ssh.ts';
import {
  createHostKeyVerifier, encodePublicKey, formatKnownHostsLine, HostKeyError, isCertificateType, parseCertificate, publicKeyType, type HostKeyInfo,
} from '../ssh-proto/index.ts';

/** known_hosts checking: unknown keys refused (or recorded with accept-new); a changed key always refused. */
export function hostKeyChecker(a: SshArgs, knownHosts: string, log: { info(m: string): void; error(m: string): void }): (key: HostKeyInfo) => Promise<void> {
  const verify = createHostKeyVerifier({ knownHosts, host: a.host, port: a.port });
  return async (key) => {
    try {
      await verify(key);
    } catch (err) {
      if (err instanceof HostKeyError && err.code === 'HOST_KEY_UNKNOWN' && err.known.length === 0 && a.strictHostKeyChecking === 'accept-new') {
        // A host certificate without a trusted CA is recorded as its plain key, as OpenSSH does.
        const plain = isCertificateType(publicKeyType(key.blob)) ? encodePublicKey(parseCertificate(key.blob).key) : key.blob;
        const line = await formatKnownHostsLine({ host: a.host, port: a.port, key: plain });
        try {
          mkdirSync(dirname(a.knownHostsFile), { recursive: true });
          appendKnownHost(a.knownHostsFile, line);
        } catch (writeErr) {
          // The key is accepted for this connection all the same, as ssh(1) does (sshconnect.c check_host_key).
          log.info(`Failed to add the host to the list of known hosts (${a.knownHostsFile}): ${(writeErr as Error).message}.`);
          return;
        }
        log.info(`Warning: Permanently added '${a.port === 22 ? a.host : `[${a.host}]:${a.port}`}' (${err.keyType} ${err.fingerprint}) to the list of known hosts.`);
        return;
      }
      if (err instanceof HostKeyError && err.code === 'HOST_KEY_CHANGED') log.error(changedKeyWarning(err, a));
      throw err;
    }
  };
}

/**
 * Appends `line` to known_hosts in one O_APPEND write. A file whose last line lacks its newline gets one first, as
 * OpenSSH does (hostfile.c add_host_to_hostfile), so the new entry is never glued to the last one.
 */
function appendKnownHost(file: string, line: string): void {
  const fd = openSync(file, 'a+');
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const needsNewline = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, `${needsNewline ? '\n' : ''}${line}\n`);
  } finally {
    closeSync(fd);
  }
}

/** OpenSSH's warning for a changed host key (sshconnect.c warn_changed_key), then a hard stop. */
function changedKeyWarning(err: HostKeyError, a: SshArgs): string {
  const bar = '@'.repeat(59);
  const old = err.known[0];
  return [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${err.keyType} key sent by the remote host is`,
    `${err.fingerprint}.`,
    `Please contact your system administrator.`,
    ...(old ? [`Offending ${old.keyType} key in ${a.knownHostsFile}:${old.line}`] : []),
    `Host key for ${a.port === 22 ? a.host : `[${a.host}]:${a.port}`} has changed and Tessera refuses to connect.`,
  ].join('\n');
}
