import { startSshd } from '../peers/index.ts';
import { algorithmSuite, OPENSSH_92 } from './algorithm-matrix.ts';

algorithmSuite('OpenSSH 9.2', OPENSSH_92, (o) => startSshd({ version: '9.2', ...o }));
