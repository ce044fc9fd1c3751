// The connection's phases as the status line shows them:
// (card: its certificate checked, its PIN asked →) connecting → key exchange done (with the algorithms) →
// authenticating → connected → closed (with the reason).
export type Phase = 'idle' | 'card' | 'connecting' | 'key-exchange' | 'authenticating' | 'connected' | 'closed' | 'error';

export interface KexAlgorithms {
  readonly kex: string;
  readonly hostKey: string;
  readonly cipher: string;
  readonly mac?: string;
}

export interface Status {
  readonly phase: Phase;
  readonly text: string;
  /** Longer detail (e.g. the negotiated algorithms), shown as a tooltip and to screen readers. */
  readonly detail?: string;
}

export function describeAlgorithms(a: KexAlgorithms): string {
  const mac = a.mac && !/gcm|chacha20-poly1305/.test(a.cipher) ? `, ${a.mac}` : '';
  return `${a.kex}, ${a.hostKey}, ${a.cipher}${mac}`;
}

export const status = {
  idle: (): Status => ({ phase: 'idle', text: 'Not connected' }),
  checkingCard: (card: string): Status => ({ phase: 'card', text: `Checking ${card} and its certificates…` }),
  waitingForPin: (card: string): Status => ({ phase: 'card', text: `Waiting for the PIN of ${card}…` }),
  connecting: (target: string): Status => ({ phase: 'connecting', text: `Connecting to ${target} through the relay…` }),
  keyExchange: (target: string): Status => ({ phase: 'key-exchange', text: `Key exchange with ${target}…` }),
  kexDone: (a: KexAlgorithms): Status => ({ phase: 'key-exchange', text: `Key exchange done: ${describeAlgorithms(a)}`, detail: describeAlgorithms(a) }),
  authenticating: (user: string, method: string): Status => ({ phase: 'authenticating', text: `Authenticating as ${user} with ${method}…` }),
  connected: (target: string, algorithms?: KexAlgorithms): Status => ({
    phase: 'connected', text: algorithms ? `Connected to ${target} · ${algorithms.kex}, ${algorithms.cipher}` : `Connected to ${target}`,
    ...(algorithms ? { detail: describeAlgorithms(algorithms) } : {}),
  }),
  closed: (reason: string): Status => ({ phase: 'closed', text: `Closed: ${reason}` }),
  error: (reason: string): Status => ({ phase: 'error', text: reason }),
};
