import { startSshd } from '../peers/index.ts';
import { algorithmSuite, OPENSSH_10 } from './algorithm-matrix.ts';

// OpenSSH 10.0 is the only peer here for mlkem768x25519-sha256.
algorithmSuite('OpenSSH 10.0', OPENSSH_10, (o) => startSshd({ version: '10.0', ...o }));
