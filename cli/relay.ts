// `tessera relay`: runs the WebSocket-to-TCP relay until SIGINT/SIGTERM, then drains.
import { loadConfigFile, mergeConfig, RelayConfigError, startRelay, type RelayConfig, type RelayConfigInput } from '../relay/index.ts';
import { UsageError, type Command } from './command.ts';
import { raiseMallocTrimThreshold } from './malloc-trim.ts';

const USAGE = 'tessera relay [--listen HOST:PORT] [--public-host HOST[:PORT] ...] [--allow HOST:PORT ...] [--static DIR|--no-static] [--config relay.json|relay.yaml]';

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen wants HOST:PORT (e.g. 127.0.0.1:8080), not '${text}'.\n${USAGE}`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(m[2]) };
}

export const command: Command = {
  async run(args) {
    let fileConfig: RelayConfig | RelayConfigInput = {};
    const allow: string[] = [];
    // The names users reach the relay by (relay/public-hosts.ts): needed beyond loopback against DNS rebinding.
    const publicHosts: string[] = [];
    let listen: { host: string; port: number } | undefined;
    let dir: string | null | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const value = (): string => {
        const v = args[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value.\n${USAGE}`);
        return v;
      };
      if (a === '--listen') listen = parseListen(value());
      else if (a === '--allow') allow.push(value());
      else if (a === '--public-host') publicHosts.push(value());
      else if (a === '--static') dir = value();
      else if (a === '--no-static') dir = null;
      else if (a === '--config') {
        try {
          fileConfig = await loadConfigFile(value());
        } catch (err) {
          if (!(err instanceof RelayConfigError)) throw err;
          process.stderr.write(`tessera relay: ${err.message}\n`);
          return 2;
        }
      } else if (a === '--help' || a === '-h') {
        process.stdout.write(`usage: ${USAGE}\n`);
        return 0;
      } else throw new UsageError(`unknown option '${a}'.\n${USAGE}`);
    }
    // Command-line options override the file.
    const config = mergeConfig<RelayConfig | RelayConfigInput>(fileConfig, {
      ...(listen ? { listen } : {}),
      ...(allow.length ? { targets: { allow } } : {}),
      ...(publicHosts.length ? { publicHosts } : {}),
      ...(dir !== undefined ? { static: { dir } } : {}),
    });
    raiseMallocTrimThreshold(); // uploads: fewer page faults per WebSocket frame (cli/malloc-trim.ts)
    let relay;
    try {
      relay = await startRelay({ config });
    } catch (err) {
      if (!(err instanceof RelayConfigError)) throw err;
      process.stderr.write(`tessera relay: ${err.message}\n`);
      return 2;
    }
    await new Promise<void>((resolve) => {
      const stop = () => { void relay.close().then(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
