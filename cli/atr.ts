/** `tessera atr <hex>`: analyses an Answer-to-Reset (ISO/IEC 7816-3), like ATR_analysis. */
import { AtrError, describeAtr, parseAtr, parseHex } from '../ccid/index.ts';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';

export const command: Command = {
  async run(args) {
    const usage = 'usage: tessera atr <hex bytes>, e.g. tessera atr 3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40';
    if (args[0] === '--help' || args[0] === '-h') throw new HelpRequested(usage);
    if (args.length === 0) throw new UsageError(usage);
    let bytes: Uint8Array;
    try {
      bytes = parseHex(args.join(''));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    try {
      process.stdout.write(describeAtr(parseAtr(bytes)).join('\n') + '\n');
      return 0;
    } catch (err) {
      if (err instanceof AtrError) {
        process.stderr.write(`tessera atr: ${err.message} (${err.code})\n`);
        return 1;
      }
      throw err;
    }
  },
};
