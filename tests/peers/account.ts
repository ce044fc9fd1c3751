// The test-only login account that scripts/setup.sh creates (when run as root).
// Password and keyboard-interactive authentication need a real account with a password;
// this one exists for the tests only and its password is published here on purpose.
import { execFileSync } from 'node:child_process';
import { PeerMissingError } from '../support/index.ts';

export const TEST_ACCOUNT = {
  user: 'tessera-test',
  /** Fixed TEST-ONLY password (scripts/setup.sh); never reuse it anywhere else. */
  password: 'tessera-test-password',
  home: '/home/tessera-test',
} as const;

/** Fails loudly when the account is missing: run scripts/setup.sh as root. */
export function requireTestAccount(): typeof TEST_ACCOUNT {
  try {
    execFileSync('id', [TEST_ACCOUNT.user], { stdio: 'ignore' });
  } catch {
    throw new PeerMissingError(`the test account '${TEST_ACCOUNT.user}' is missing (run scripts/setup.sh as root)`);
  }
  return TEST_ACCOUNT;
}

/** The numeric uid and gid of the test account (for files dropbear checks the ownership of). */
export function testAccountIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', TEST_ACCOUNT.user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', TEST_ACCOUNT.user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
