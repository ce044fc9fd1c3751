// The adapter from the page's SshDialer to ssh-proto's connect(). Loaded lazily.
import { WebError } from '../errors.ts';
import type { SshDialer } from './terminal-session.ts';

export const dialSsh: SshDialer = async () => {
  throw new WebError('SSH_UNAVAILABLE', 'The SSH layer is not part of this build yet.');
};
