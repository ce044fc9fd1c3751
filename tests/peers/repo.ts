// Where the repository lives, computed at run time (never a hard-coded checkout path).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: two folders above tests/peers/. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** OpenSSH 10.0, unpacked from bookworm-backports by scripts/setup.sh. */
export const openssh10Root: string = join(repoRoot, '.peers', 'openssh-10');
