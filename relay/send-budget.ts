// Revocation answers being written to clients. A response holds its answer (up to
// revocation.maxBytes) until the client has taken it all, and a client that never reads holds it
// for as long as its connection lasts: without a bound, requests for distinct URLs under an
// allowed prefix (a query each) whose answers nobody reads grew the relay by one answer each
// (40 such requests for a 5 MiB CRL: +260 MiB, kept). So the distinct answers being written are
// bounded in bytes (one answer sent to many clients counts once), and a client that takes
// nothing for the send timeout is dropped (revocation.ts).

export class SendBudget {
  /** Answers being written, with the number of responses writing each. */
  private readonly sending = new Map<Buffer, number>();
  private total = 0;

  /**
   * @param maxBytes bytes of distinct answers that may be in the middle of being written.
   * @param largest the largest answer there can be (revocation.maxBytes).
   */
  constructor(private readonly maxBytes: number, private readonly largest: number) {}

  /** Bytes of distinct answers being written now. */
  get bytes(): number {
    return this.total;
  }

  /** Whether an answer of the largest size might not be taken on now: checked before fetching one, which would be wasted. */
  get full(): boolean {
    return this.total > 0 && this.total + this.largest > this.maxBytes;
  }

  /**
   * Takes `body` on for one response; false when it would exceed the budget (the caller answers
   * 503). `release` must be called once that response has ended, however it ended.
   */
  take(body: Buffer): boolean {
    const n = this.sending.get(body);
    if (n === undefined && this.total + body.length > this.maxBytes && this.total > 0) return false;
    this.sending.set(body, (n ?? 0) + 1);
    if (n === undefined) this.total += body.length;
    return true;
  }

  release(body: Buffer): void {
    const n = this.sending.get(body);
    if (n === undefined) return;
    if (n > 1) { this.sending.set(body, n - 1); return; }
    this.sending.delete(body);
    this.total -= body.length;
  }
}
