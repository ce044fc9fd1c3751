// The browser side of bench/web/page.ts when no DevTools client is attached: a script the bench adds
// to the built page (bench.html), which signs in, runs the rounds itself and reports each figure to
// the bench over a WebSocket (the page's CSP allows ws: connections; no other channel is needed).
// Without Playwright, Chromium does not report every WebSocket frame to a DevTools client, as it
// does for a real user. Same measurements as page.ts's Playwright rounds, on the same terminal.
import { rotated } from '../ssh/stats.ts';

export interface DriverPlan {
  readonly password: string;
  readonly file: string;
  /** Bytes of `cat` output the terminal receives (the pty's \r\n included). */
  readonly bytes: number;
  readonly rounds: number;
  /** The file's last line: after each round the terminal must show it (no output lost on the way). */
  readonly lastLine: string;
  /**
   * The variants of each round: `tessera` (cat through SSH), `raw` (the same bytes written locally), `sink` (terminal
   * drops the bytes). The warm-up round runs them in this order; round n starts n places further on (rotated), so no
   * variant always runs first or right after another.
   */
  readonly variants: readonly ('tessera' | 'raw' | 'sink')[];
}

export type DriverReport =
  | { t: 'ready'; renderer: string; status: string }
  | { t: 'round'; round: number; variant: string; rate: number; startMs?: number; fps: number; workerMessages: number }
  | { t: 'done' }
  | { t: 'error'; message: string };

interface View {
  readonly terminal: { write(d: string | Uint8Array, cb?: () => void): void; input(d: string, user?: boolean): void; clear(): void };
  bytesWritten: number;
  writeBytes(c: Uint8Array, release?: () => void): Promise<void> | undefined;
  flush(): Promise<void>;
}

// Counts the messages the page gets from the SSH worker (output batches, among others).
let workerMessages = 0;
const addListener = Worker.prototype.addEventListener;
Worker.prototype.addEventListener = function (this: Worker, type: string, fn: EventListenerOrEventListenerObject, o?: boolean | AddEventListenerOptions) {
  if (type === 'message') addListener.call(this, 'message', () => { workerMessages++; });
  addListener.call(this, type, fn, o);
} as typeof Worker.prototype.addEventListener;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function run(socket: WebSocket, plan: DriverPlan, raw: Uint8Array): Promise<void> {
  const send = (r: DriverReport) => socket.send(JSON.stringify(r));
  await until(() => document.body.dataset['ready'] === 'true', 'the app');
  const tessera = window.tessera!;
  const method = byId<HTMLSelectElement>('auth-method');
  method.value = 'password';
  method.dispatchEvent(new Event('change'));
  byId<HTMLInputElement>('password').value = plan.password;
  byId<HTMLButtonElement>('connect-button').click();
  await until(() => /^Connected/.test(tessera.status()), 'the SSH connection');
  const view = tessera.app.terminal as unknown as View;
  const realWrite = view.terminal.write.bind(view.terminal);
  const innerWriteBytes = view.writeBytes.bind(view);
  // Each round: the first output byte's time, and a wake-up once the expected bytes arrived.
  let first: number | undefined;
  let target = Infinity;
  let arrived: (() => void) | undefined;
  view.writeBytes = (c, release) => {
    first ??= performance.now();
    const r = innerWriteBytes(c, release);
    if (view.bytesWritten >= target) { target = Infinity; arrived?.(); }
    return r;
  };
  view.terminal.input('stty -echo\r');
  await sleep(500);
  send({ t: 'ready', renderer: tessera.renderer(), status: `${tessera.status()} [${document.visibilityState}${document.hasFocus() ? ', focused' : ''}, ${innerWidth}x${innerHeight}]` });

  const cat = async (sink: boolean) => {
    view.terminal.write = sink ? (_d, cb) => { if (cb) setTimeout(cb); } : realWrite;
    view.terminal.clear();
    await view.flush();
    const done = new Promise<void>((r) => { arrived = r; });
    target = view.bytesWritten + plan.bytes;
    first = undefined;
    const start = performance.now();
    view.terminal.input(`cat ${plan.file}\r`);
    await done;
    await view.flush();
    const end = performance.now();
    view.terminal.write = realWrite;
    // From the first byte: the command's trip to sshd and cat's start-up are latency, not throughput.
    return { rate: (plan.bytes / 1e6) / ((end - first!) / 1000), startMs: first! - start };
  };
  // Raw xterm.js: the same bytes, written straight into the same terminal in 32 KiB chunks.
  const rawRound = async () => {
    view.terminal.clear();
    await view.flush();
    const t0 = performance.now();
    for (let i = 0; i < raw.length; i += 32768) view.terminal.write(raw.subarray(i, i + 32768));
    await new Promise<void>((r) => view.terminal.write('', r));
    return { rate: (raw.length / 1e6) / ((performance.now() - t0) / 1000) };
  };
  // Animation frames per second during each round: how often xterm.js's renderer got to paint.
  let frames = 0;
  const tick = () => { frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  // Round 0 warms up (JIT tiers, buffers) and is reported as such; the bench counts rounds 1..n.
  for (let round = 0; round <= plan.rounds; round++) {
    for (const variant of rotated(plan.variants, round)) {
      const f0 = frames;
      const m0 = workerMessages;
      const t0 = performance.now();
      const r = variant === 'raw' ? await rawRound() : await cat(variant === 'sink');
      if (variant !== 'sink' && !tessera.terminalText().includes(plan.lastLine)) throw new Error(`after the ${variant} round the terminal does not show the file's last line`);
      send({ t: 'round', round, variant, ...r, fps: (frames - f0) / ((performance.now() - t0) / 1000), workerMessages: workerMessages - m0 });
    }
  }
  send({ t: 'done' });
}

const benchPort = new URLSearchParams(location.search).get('bench');
if (benchPort) {
  const socket = new WebSocket(`ws://127.0.0.1:${benchPort}`);
  socket.binaryType = 'arraybuffer';
  let plan: DriverPlan | undefined;
  socket.addEventListener('message', (e: MessageEvent<string | ArrayBuffer>) => {
    if (typeof e.data === 'string') { plan = JSON.parse(e.data) as DriverPlan; return; }
    run(socket, plan!, new Uint8Array(e.data)).catch((err: unknown) => socket.send(JSON.stringify({ t: 'error', message: String(err) } satisfies DriverReport)));
  });
}
