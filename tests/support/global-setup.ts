// vitest's global setup (vitest.config.ts): runs once, before any test file.
import { ensureCliBundle } from './cli-bundle.ts';

export default function setup(): void {
  ensureCliBundle();
}
