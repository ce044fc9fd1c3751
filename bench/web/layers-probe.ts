// The browser side of bench/web/layers.ts: one bundle that runs as the page's script and as a
// module worker. Each probe downloads through the relay and reports bytes, time and chunk counts:
// a raw WebSocket, the same through web/net's ReadableStream, and SSH `exec` with or without a pty.
import { connect } from '../../ssh-proto/index.ts';
import { openWebSocketStream } from '../../web/net/websocket-stream.ts';
import { drain, type ProbeResult } from './drain.ts';

export type Probe =
  | { kind: 'ws'; url: string }
  | { kind: 'ws-stream'; url: string }
  | { kind: 'ssh'; url: string; user: string; password: string; command: string; pty: boolean; windowSize?: number };

// Counts the WebSocket messages web/net receives (how the relay cut the bytes into frames).
const frames = { n: 0, bytes: 0 };
const addListener = WebSocket.prototype.addEventListener;
WebSocket.prototype.addEventListener = function (this: WebSocket, type: string, fn: EventListenerOrEventListenerObject, o?: boolean | AddEventListenerOptions) {
  if (type === 'message') addListener.call(this, 'message', (e: Event) => { frames.n++; frames.bytes += ((e as MessageEvent).data as ArrayBuffer).byteLength; });
  addListener.call(this, type, fn, o);
} as typeof WebSocket.prototype.addEventListener;

async function wsRaw(url: string): Promise<ProbeResult> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  let bytes = 0, chunks = 0, maxChunk = 0, t0 = 0;
  return new Promise((resolve, reject) => {
    socket.onopen = () => { t0 = performance.now(); };
    socket.onmessage = (e: MessageEvent<ArrayBuffer>) => { bytes += e.data.byteLength; chunks++; maxChunk = Math.max(maxChunk, e.data.byteLength); };
    socket.onclose = () => (bytes > 0 ? resolve({ bytes, ms: performance.now() - t0, chunks, maxChunk }) : reject(new Error('no bytes')));
  });
}

async function ssh(p: Extract<Probe, { kind: 'ssh' }>): Promise<ProbeResult> {
  const stream = await openWebSocketStream(p.url);
  const client = await connect(stream, {
    ...(p.windowSize ? { connection: { windowSize: p.windowSize } } : {}),
    username: p.user,
    verifyHostKey: async () => undefined, // a benchmark against a local test sshd
    auth: { methods: [{ type: 'password', password: p.password }] },
  });
  try {
    const t0 = performance.now();
    frames.n = 0; frames.bytes = 0;
    const session = await client.exec(p.command, p.pty ? { pty: { term: 'xterm-256color', cols: 120, rows: 40 } } : {});
    const [out] = await Promise.all([drain(session.readable, t0), drain(session.readableStderr, t0)]);
    return { ...out, frames: frames.n, frameBytes: frames.bytes };
  } finally {
    await client.close().catch(() => undefined);
    stream.close();
  }
}

export function runProbe(p: Probe): Promise<ProbeResult> {
  switch (p.kind) {
    case 'ws': return wsRaw(p.url);
    case 'ws-stream': return openWebSocketStream(p.url).then((s) => drain(s.readable, performance.now()));
    case 'ssh': return ssh(p);
  }
}

const inWorker = typeof (globalThis as { document?: unknown }).document === 'undefined';
if (inWorker) {
  const scope = globalThis as unknown as { onmessage: (e: MessageEvent<Probe>) => void; postMessage(m: unknown): void };
  scope.onmessage = (e) => {
    runProbe(e.data).then((r) => scope.postMessage({ ok: r }), (err: unknown) => scope.postMessage({ error: String(err) }));
  };
} else {
  let worker: Worker | undefined;
  // Run by a plain Chromium (no DevTools, layers.ts): the list of probes comes over a WebSocket from
  // the bench (port in ?bench=), each result goes back as it finishes.
  const benchPort = new URLSearchParams(location.search).get('bench');
  if (benchPort) {
    const socket = new WebSocket(`ws://127.0.0.1:${benchPort}`);
    socket.onmessage = async (e: MessageEvent<string>) => {
      const list = JSON.parse(e.data) as { where: 'main' | 'worker'; probe: Probe }[];
      const probe = (globalThis as unknown as { probe: Record<'main' | 'worker', (p: Probe) => Promise<ProbeResult>> }).probe;
      try {
        socket.send(JSON.stringify({ t: 'ready' })); // the bench's CPU count for the first case starts here
        for (const [i, { where, probe: p }] of list.entries()) socket.send(JSON.stringify({ t: 'result', i, result: await probe[where](p) }));
        socket.send(JSON.stringify({ t: 'done' }));
      } catch (err) {
        socket.send(JSON.stringify({ t: 'error', message: String(err) }));
      }
    };
  }
  (globalThis as unknown as { probe: unknown }).probe = {
    main: runProbe,
    // One worker for all probes: its thread lives on, so the bench can read its CPU time per thread.
    worker: (p: Probe) => new Promise<ProbeResult>((resolve, reject) => {
      const w = (worker ??= new Worker(new URL(import.meta.url), { type: 'module' }));
      w.onmessage = (e: MessageEvent<{ ok?: ProbeResult; error?: string }>) => { if (e.data.ok) resolve(e.data.ok); else reject(new Error(e.data.error)); };
      w.onerror = (e) => { reject(new Error(e.message)); };
      w.postMessage(p);
    }),
  };
}
