// In-process packet throughput per cipher: Tessera's packet layer (seal + open) on each crypto backend
// (ssh-proto/crypto/backend.ts: WebCrypto + libsodium, the page's default; node:crypto, the `tessera` command's, with
// its packet ciphers in place on OpenSSL through ssh2's binding, and without: native libsodium and node:crypto objects)
// vs the ssh2 npm package's own ciphers (native binding when built), same payloads, same run. Prints MB/s (10^6 bytes
// per second, as the other benchmarks; they were MiB/s under that name) and ratios.
// Run: npx tsx bench/ssh-ciphers.ts [MiB per cipher and round, default 64]
import { createRequire } from 'node:module';
import { NODE_CRYPTO_BACKEND, nodeCryptoBackend } from '../cli/node-crypto-backend.ts';
import { createPacketCipher, keySizes, PacketDecoder, PacketEncoder } from '../ssh-proto/transport/index.ts';
import { chachaPoly, OpenSshChaChaPoly, WEB_CRYPTO_BACKEND, type CryptoBackend } from '../ssh-proto/crypto/index.ts';
import { rotated } from './ssh/stats.ts';

function createPacketCipherForBench(cipher: string, mac: string, backend: CryptoBackend) {
  const s = keySizes(cipher, mac);
  return createPacketCipher(cipher, mac, { key: new Uint8Array(s.key).fill(7), iv: new Uint8Array(s.iv).fill(9), macKey: new Uint8Array(s.macKey).fill(3) }, backend);
}

const require = createRequire(import.meta.url);
const ssh2 = require('ssh2/lib/protocol/crypto.js') as Ssh2Crypto;
interface Ssh2Cipher { allocPacket(n: number): Buffer; encrypt(p: Buffer): void }
interface Ssh2Decipher { decrypt(d: Buffer, p: number, len: number): void }
interface Ssh2Crypto {
  CIPHER_INFO: Record<string, { keyLen: number; ivLen: number; authLen: number }>;
  MAC_INFO: Record<string, { len: number }>;
  bindingAvailable: boolean;
  init: Promise<void>;
  createCipher(c: unknown): Ssh2Cipher;
  createDecipher(c: unknown): Ssh2Decipher;
}

const MIB = Number(process.argv[2] ?? 64);
const PAYLOAD = 32768; // a full channel data packet (OpenSSH's default maximum packet size)
const COUNT = Math.ceil((MIB * 1024 * 1024) / PAYLOAD);
const SUITES: [string, string][] = [
  ['chacha20-poly1305@openssh.com', 'none'],
  ['aes128-gcm@openssh.com', 'none'],
  ['aes256-gcm@openssh.com', 'none'],
  ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com'],
  ['aes128-ctr', 'hmac-sha2-256'],
];

async function ours(cipher: string, mac: string, backend: CryptoBackend): Promise<number> {
  const enc = new PacketEncoder();
  const dec = new PacketDecoder();
  enc.setSealer(await createPacketCipherForBench(cipher, mac, backend));
  dec.setOpener(await createPacketCipherForBench(cipher, mac, backend));
  const payload = new Uint8Array(PAYLOAD).fill(0x5a);
  payload[0] = 94;
  const start = performance.now();
  let got = 0;
  // Pipelined like the transport: sealing is started for a window of packets, then they are opened in order.
  const WINDOW = 16;
  for (let i = 0; i < COUNT; i += WINDOW) {
    const sealed: (Promise<Uint8Array> | Uint8Array)[] = [];
    for (let j = 0; j < WINDOW && i + j < COUNT; j++) sealed.push(enc.encode(payload));
    for (const s of sealed) dec.feed(await s);
    for (let b = await dec.nextBatch(); b.length > 0; b = await dec.nextBatch()) for (const p of b) got += p.payload.length;
  }
  const ms = performance.now() - start;
  if (got !== COUNT * PAYLOAD) throw new Error(`lost data: ${got}`);
  return got / 1e6 / (ms / 1000);
}

async function theirs(cipher: string, mac: string): Promise<number> {
  await ssh2.init;
  const info = ssh2.CIPHER_INFO[cipher]!;
  const macInfo = mac === 'none' ? undefined : ssh2.MAC_INFO[mac];
  const key = Buffer.alloc(info.keyLen, 7);
  const iv = Buffer.alloc(info.ivLen, 9);
  const macKey = macInfo ? Buffer.alloc(macInfo.len, 3) : undefined;
  let got = 0;
  const chunks: Buffer[] = [];
  const c = ssh2.createCipher({ outbound: { onWrite: (b: Buffer) => chunks.push(Buffer.from(b)), cipherInfo: info, cipherKey: key, cipherIV: iv, seqno: 0, macInfo, macKey } });
  const d = ssh2.createDecipher({ inbound: { onPayload: (p: Buffer) => { got += p.length; }, decipherInfo: info, decipherKey: key, decipherIV: iv, seqno: 0, macInfo, macKey } });
  const start = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const pkt = c.allocPacket(PAYLOAD);
    pkt.fill(0x5a, 5, 5 + PAYLOAD);
    pkt[5] = 94;
    c.encrypt(pkt);
    const wire = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    chunks.length = 0;
    d.decrypt(wire, 0, wire.length);
  }
  const ms = performance.now() - start;
  if (got !== COUNT * PAYLOAD) throw new Error(`ssh2 lost data: ${got}`);
  return got / 1e6 / (ms / 1000);
}

/**
 * The two libsodium routes for chacha20-poly1305@openssh.com, same work: the wrappers (allocate, copy in, copy
 * out per call) and the raw WebAssembly exports on a reused heap area (the default, OpenSshChaChaPoly).
 */
async function chachaRoutes(): Promise<[number, number]> {
  const key = new Uint8Array(64).fill(7);
  const packet = new Uint8Array(4 + 1 + PAYLOAD + 11);
  const n = 600;
  const cp = await chachaPoly();
  const nonce = new Uint8Array(8);
  const zero = new Uint8Array(32);
  let start = performance.now();
  for (let i = 0; i < n; i++) {
    const len = cp.xor(packet.subarray(0, 4), nonce, 0, key.subarray(32));
    const body = cp.xor(packet.subarray(4), nonce, 1, key.subarray(0, 32));
    const polyKey = cp.xor(zero, nonce, 0, key.subarray(0, 32));
    const sealed = new Uint8Array(packet.length + 16);
    sealed.set(len); sealed.set(body, 4);
    sealed.set(cp.poly1305(sealed.subarray(0, packet.length), polyKey), packet.length);
    if (!cp.poly1305Verify(sealed.subarray(packet.length), sealed.subarray(0, packet.length), polyKey)) throw new Error('tag');
    cp.xor(sealed.subarray(4, packet.length), nonce, 1, key.subarray(0, 32));
  }
  const wrappers = (n * PAYLOAD) / 1e6 / ((performance.now() - start) / 1000);
  const heap = await OpenSshChaChaPoly.create(key);
  start = performance.now();
  for (let i = 0; i < n; i++) if (!heap.open(i, heap.seal(i, packet))) throw new Error('tag');
  const raw = (n * PAYLOAD) / 1e6 / ((performance.now() - start) / 1000);
  heap.dispose();
  return [wrappers, raw];
}

await ssh2.init;
// Without its native binding ssh2 runs slower fallbacks: not the peer its users run.
if (!ssh2.bindingAvailable) throw new Error('the ssh2 package\'s native crypto binding is not built (node_modules/ssh2/lib/protocol/crypto/build): run npm ci with its install scripts allowed');
console.log(`seal+open of ${COUNT} x ${PAYLOAD}-byte payloads (${MIB} MiB) per cipher; ssh2 with its native binding`);
const NO_BINDING = nodeCryptoBackend({ inPlace: false });
console.log('Tessera on each crypto backend (MB/s):', `web = ${WEB_CRYPTO_BACKEND.name},`, `sodium = ${NO_BINDING.name},`, `node = ${NODE_CRYPTO_BACKEND.name}`);
console.log('cipher'.padEnd(46), 'web'.padStart(7), 'sodium'.padStart(7), 'node'.padStart(7), 'ssh2'.padStart(7), 'node/sodium'.padStart(12), 'web/ssh2'.padStart(9), 'node/ssh2'.padStart(10));
// Alternating rounds, best of each: the machine may be shared, and the best run is the least disturbed one. The
// order rotates from round to round, so no implementation always runs first or right after another.
const ROUNDS = 3;
for (const [cipher, mac] of SUITES) {
  const runs = {
    web: () => ours(cipher, mac, WEB_CRYPTO_BACKEND),
    sodium: () => ours(cipher, mac, NO_BINDING),
    node: () => ours(cipher, mac, NODE_CRYPTO_BACKEND),
    ssh2: () => theirs(cipher, mac),
  };
  const bestOf = { web: 0, sodium: 0, node: 0, ssh2: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of rotated(Object.keys(runs) as (keyof typeof runs)[], r)) bestOf[name] = Math.max(bestOf[name], await runs[name]());
  }
  const { web, sodium, node, ssh2: b } = bestOf;
  console.log(`${cipher}${mac === 'none' ? '' : ` + ${mac}`}`.padEnd(46), ...[web, sodium, node, b].map((v) => v.toFixed(0).padStart(7)),
    (node / sodium).toFixed(2).padStart(12), (web / b).toFixed(2).padStart(9), (node / b).toFixed(2).padStart(10));
}

let bestWrappers = 0;
let bestHeap = 0;
for (let r = 0; r < ROUNDS; r++) {
  const [w, h] = await chachaRoutes();
  bestWrappers = Math.max(bestWrappers, w);
  bestHeap = Math.max(bestHeap, h);
}
console.log(`chacha20-poly1305 provider routes (seal+open): libsodium wrappers ${bestWrappers.toFixed(0)} MB/s, WebAssembly heap (default) ${bestHeap.toFixed(0)} MB/s, ratio ${(bestHeap / bestWrappers).toFixed(2)}`);
