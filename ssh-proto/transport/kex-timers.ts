// The two clocks of key exchange: the rekey due rekeyAfterMs after each exchange (RFC 4253 §9), and the deadline
// of a rekey in progress (the initial exchange has the handshake timeout instead). Neither keeps Node alive.
export class KexTimers {
  private rekeyTimer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rekeyAfterMs: number,
    private readonly rekeyTimeoutMs: number,
    private readonly onRekeyDue: () => void,
    private readonly onDeadline: (ms: number) => void,
  ) {}

  /** (Re)starts the rekey clock: an exchange just ended. */
  armRekey(): void {
    if (this.rekeyTimer !== undefined) clearTimeout(this.rekeyTimer);
    this.rekeyTimer = unref(setTimeout(this.onRekeyDue, this.rekeyAfterMs));
  }

  /** Starts the deadline of a rekey that just began. */
  armDeadline(): void {
    this.clearDeadline();
    this.deadline = unref(setTimeout(() => this.onDeadline(this.rekeyTimeoutMs), this.rekeyTimeoutMs));
  }

  clearDeadline(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    if (this.rekeyTimer !== undefined) clearTimeout(this.rekeyTimer);
    this.rekeyTimer = undefined;
    this.clearDeadline();
  }
}

function unref(t: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (t as { unref?: () => void }).unref?.();
  return t;
}
