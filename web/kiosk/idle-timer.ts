// Kiosk policy: clear the page after a period without keyboard, pointer or terminal input.
export class IdleTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
  private readonly kick = () => this.reset();

  constructor(private readonly timeoutMs: number, private readonly onIdle: () => void, private readonly target: EventTarget = window) {}

  start(): void {
    if (this.timeoutMs <= 0) return;
    for (const e of this.events) this.target.addEventListener(e, this.kick, { passive: true });
    this.reset();
  }

  reset(): void {
    if (this.timeoutMs <= 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.onIdle, this.timeoutMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const e of this.events) this.target.removeEventListener(e, this.kick);
  }
}
