// Counters for /metrics, in the Prometheus text exposition format (version 0.0.4).
import type { SessionEnd } from './session.ts';

const DURATION_BUCKETS = [1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600];

export class RelayMetrics {
  sessionsTotal = 0;
  bytesUp = 0;
  bytesDown = 0;
  private readonly refusals = new Map<string, number>();
  private readonly closes = new Map<string, number>();
  private readonly revocation = new Map<string, number>();
  private readonly connectionsRefused = new Map<string, number>();
  private readonly durationCounts = DURATION_BUCKETS.map(() => 0);
  private durationSum = 0;
  private durationCount = 0;

  refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /** A TCP connection closed as it arrived: its client (per_ip) or the relay (global) held too many. */
  connectionRefused(reason: 'per_ip' | 'global'): void {
    this.connectionsRefused.set(reason, (this.connectionsRefused.get(reason) ?? 0) + 1);
  }

  revocationFetch(result: string): void {
    this.revocation.set(result, (this.revocation.get(result) ?? 0) + 1);
  }

  ended(end: SessionEnd): void {
    this.bytesUp += end.bytesUp;
    this.bytesDown += end.bytesDown;
    this.closes.set(end.closeName, (this.closes.get(end.closeName) ?? 0) + 1);
    const seconds = end.durationMs / 1000;
    this.durationSum += seconds;
    this.durationCount++;
    DURATION_BUCKETS.forEach((b, i) => { if (seconds <= b) this.durationCounts[i]! += 1; });
  }

  /** The exposition text; `live` adds the bytes of sessions still open. */
  render(live: { active: number; bytesUp: number; bytesDown: number; draining: boolean }): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    const labelled = (name: string, label: string, m: Map<string, number>) => [...m].map(([k, v]) => `${name}{${label}="${k}"} ${v}`);
    metric('tessera_relay_sessions_active', 'gauge', 'Sessions open now.', [`tessera_relay_sessions_active ${live.active}`]);
    metric('tessera_relay_sessions_total', 'counter', 'Sessions opened since start.', [`tessera_relay_sessions_total ${this.sessionsTotal}`]);
    metric('tessera_relay_bytes_total', 'counter', 'Bytes relayed (up: client to server).', [
      `tessera_relay_bytes_total{direction="up"} ${this.bytesUp + live.bytesUp}`,
      `tessera_relay_bytes_total{direction="down"} ${this.bytesDown + live.bytesDown}`,
    ]);
    metric('tessera_relay_refusals_total', 'counter', 'Sessions refused, by reason.', labelled('tessera_relay_refusals_total', 'reason', this.refusals));
    metric('tessera_relay_session_closes_total', 'counter', 'Sessions ended, by close code name.', labelled('tessera_relay_session_closes_total', 'reason', this.closes));
    metric('tessera_relay_session_duration_seconds', 'histogram', 'Session durations.', [
      ...DURATION_BUCKETS.map((b, i) => `tessera_relay_session_duration_seconds_bucket{le="${b}"} ${this.durationCounts[i]}`),
      `tessera_relay_session_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`,
      `tessera_relay_session_duration_seconds_sum ${this.durationSum}`,
      `tessera_relay_session_duration_seconds_count ${this.durationCount}`,
    ]);
    metric('tessera_relay_revocation_fetches_total', 'counter', 'Revocation fetches, by result.', labelled('tessera_relay_revocation_fetches_total', 'result', this.revocation));
    metric('tessera_relay_connections_refused_total', 'counter', 'TCP connections closed as they arrived (connection limits), by reason.', labelled('tessera_relay_connections_refused_total', 'reason', this.connectionsRefused));
    metric('tessera_relay_draining', 'gauge', '1 while shutting down.', [`tessera_relay_draining ${live.draining ? 1 : 0}`]);
    return `${out.join('\n')}\n`;
  }
}
