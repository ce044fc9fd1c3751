// Structured JSON logs: one object per line. Payload bytes are never logged.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  /** A stable event name: `listening`, `session`, `refused`, `shutdown`, ... */
  readonly event: string;
  readonly [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export class Logger {
  constructor(private readonly sink: LogSink, private readonly minimum: LogLevel = 'info') {}

  log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < ORDER[this.minimum]) return;
    this.sink({ time: new Date().toISOString(), level, event, ...fields });
  }

  debug(event: string, fields?: Record<string, unknown>): void { this.log('debug', event, fields); }
  info(event: string, fields?: Record<string, unknown>): void { this.log('info', event, fields); }
  warn(event: string, fields?: Record<string, unknown>): void { this.log('warn', event, fields); }
  error(event: string, fields?: Record<string, unknown>): void { this.log('error', event, fields); }
}

let stdoutGuarded = false;

/** Writes each record as one JSON line to stdout. A closed stdout (EPIPE) must not stop the relay. */
export const stdoutSink: LogSink = (record) => {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on('error', () => { /* the log reader went away; keep relaying */ });
  }
  process.stdout.write(`${JSON.stringify(record)}\n`);
};
