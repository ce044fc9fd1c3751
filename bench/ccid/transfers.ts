/**
 * USB transfers, bytes and time per operation, for each exchange level, on the virtual reader
 * with a modelled 1 ms USB turnaround per transfer. Each figure is printed next to the protocol
 * minimum for that level and reader (the peer here is the protocol itself), with the ratio.
 *
 *   npx tsx bench/ccid/transfers.ts
 *
 * Operations: a 2 KB certificate read (PIV GET DATA-sized answer: 2048 bytes + SW), and an
 * RSA-2048 signature exchange (GENERAL AUTHENTICATE-sized: 266 command data bytes, 264 answer bytes).
 */
import { CcidReader } from '../../ccid/index.ts';
import type { CcidCard } from '../../ccid/index.ts';
import { ATRS, TestApplet, VirtualReader, loadProfiles } from '../../sim/index.ts';
import type { ReaderProfile } from '../../sim/index.ts';

const CERT = 2048;
const SIG_CMD = 266;
const SIG_RESP = 264;

interface Case {
  readonly label: string;
  readonly profile: ReaderProfile;
  readonly atr: string;
}

const { profiles } = loadProfiles();
function find(label: string, test: (p: ReaderProfile) => boolean, atr: string): Case {
  const profile = profiles.find((p) => p.interfaces.length === 1 && p.interfaces[0]!.numEndpoints >= 2 && test(p));
  if (!profile) throw new Error(`no profile for ${label}`);
  return { label, profile, atr };
}
const d = (p: ReaderProfile) => p.interfaces[0]!.descriptor;
const lvl = (p: ReaderProfile) => d(p).dwFeatures & 0x70000;

const CASES: Case[] = [
  find('TPDU T=0', (p) => lvl(p) === 0x10000 && d(p).dwMaxCCIDMessageLength === 271 && (d(p).dwProtocols & 1) === 1 && (d(p).dwFeatures & 0xc0) !== 0, ATRS.dual),
  find('TPDU T=1', (p) => lvl(p) === 0x10000 && d(p).dwMaxCCIDMessageLength === 271 && (d(p).dwProtocols & 2) === 2 && (d(p).dwFeatures & 0xc0) !== 0, ATRS.yubikey5),
  find('short APDU', (p) => lvl(p) === 0x20000 && d(p).dwMaxCCIDMessageLength === 271, ATRS.yubikey5),
  find('extended APDU (271)', (p) => lvl(p) === 0x40000 && d(p).dwMaxCCIDMessageLength === 271, ATRS.yubikey5),
  find('extended APDU (65554)', (p) => lvl(p) === 0x40000 && d(p).dwMaxCCIDMessageLength === 65554, ATRS.yubikey5),
];

/** Protocol minimum (transfers, bytes) for one operation: `cmd` APDU bytes out, `resp` bytes back. */
function minimum(c: Case, cmdData: number, resp: number, shortLe: boolean): { transfers: number; bytes: number } {
  const maxData = d(c.profile).dwMaxCCIDMessageLength - 10;
  const ext = cmdData > 255 || resp > 258;
  const apduLen = 4 + (cmdData > 0 ? (ext ? 3 : 1) + cmdData : 0) + (ext ? (cmdData > 0 ? 2 : 3) : 1);
  const label = c.label;
  let messages: { out: number; in: number }[] = [];
  if (label.startsWith('extended')) {
    const outParts = Math.ceil(apduLen / maxData);
    const inParts = Math.ceil(resp / maxData);
    for (let i = 0; i < outParts - 1; i++) messages.push({ out: maxData, in: 0 });
    messages.push({ out: apduLen - (outParts - 1) * maxData, in: Math.min(resp, maxData) });
    for (let i = 1; i < inParts; i++) messages.push({ out: 0, in: Math.min(maxData, resp - i * maxData) });
  } else if (label === 'TPDU T=1') {
    // Blocks of at most IFSC (card, 254 here) / IFSD (reader's dwMaxIFSD) INF bytes, each
    // with 4 bytes of prologue and LRC, all within one reader message.
    const ifsc = Math.min(254, maxData - 4);
    const ifsd = Math.min(254, d(c.profile).dwMaxIFSD || 254, maxData - 4);
    const outBlocks = Math.ceil(apduLen / ifsc);
    const inBlocks = Math.ceil(resp / ifsd);
    for (let i = 0; i < outBlocks - 1; i++) messages.push({ out: ifsc + 4, in: 4 });
    messages.push({ out: apduLen - (outBlocks - 1) * ifsc + 4, in: Math.min(ifsd, resp) + 4 });
    for (let i = 1; i < inBlocks; i++) messages.push({ out: 4, in: Math.min(ifsd, resp - i * ifsd) + 4 });
  } else {
    // Short APDUs / T=0: command chaining by 255 bytes; answers by 256 with GET RESPONSE (5 bytes).
    const chunks = Math.max(1, Math.ceil(cmdData / 255));
    for (let i = 0; i < chunks - 1; i++) messages.push({ out: 5 + 255, in: 2 });
    const last = cmdData - (chunks - 1) * 255;
    const parts = Math.ceil((resp - 2) / 256);
    messages.push({ out: 4 + (last > 0 ? 1 + last : 0) + (shortLe && label !== 'TPDU T=0' ? 1 : label === 'TPDU T=0' && last === 0 ? 1 : 0), in: Math.min(256, resp - 2) + 2 });
    if (label === 'TPDU T=0' && last > 0) messages[messages.length - 1] = { out: 5 + last, in: 2 };
    const extraGet = label === 'TPDU T=0' && last > 0 ? parts : parts - 1;
    for (let i = 0; i < extraGet; i++) messages.push({ out: 5, in: 2 + Math.min(256, resp - 2 - (parts - extraGet + i) * 256) });
  }
  messages = messages.map((m) => ({ out: m.out + 10, in: m.in + 10 }));
  return { transfers: messages.length * 2, bytes: messages.reduce((n, m) => n + m.out + m.in, 0) };
}

async function measure(device: VirtualReader, op: () => Promise<unknown>): Promise<{ transfers: number; bytes: number; ms: number }> {
  const t0 = { ...device.stats };
  const start = performance.now();
  await op();
  const ms = performance.now() - start;
  return { transfers: device.stats.transfers - t0.transfers, bytes: device.stats.bytesIn + device.stats.bytesOut - t0.bytesIn - t0.bytesOut, ms };
}

async function signature(card: CcidCard, label: string): Promise<Uint8Array> {
  const data = Uint8Array.from({ length: SIG_CMD }, (_, i) => i & 0xff);
  const le = SIG_RESP;
  if (label.startsWith('extended') || label === 'TPDU T=1') {
    return card.transmit(Uint8Array.of(0x80, 0x40, le >> 8, le & 0xff, 0x00, SIG_CMD >> 8, SIG_CMD & 0xff, ...data, le >> 8, le & 0xff));
  }
  // Short paths: command chaining (CLA | 0x10), as card/ does for short-only readers and cards.
  await card.transmit(Uint8Array.of(0x90, 0x40, le >> 8, le & 0xff, 255, ...data.subarray(0, 255)));
  return card.transmit(Uint8Array.of(0x80, 0x40, le >> 8, le & 0xff, SIG_CMD - 255, ...data.subarray(255), 0x00));
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

async function main(): Promise<void> {
  console.log('CCID transfers per operation, virtual reader, 1 ms modelled USB turnaround per transfer');
  console.log(`${'level'.padEnd(22)} ${'reader profile'.padEnd(34)} ${'operation'.padEnd(16)} ${pad('transfers', 9)} ${pad('min', 5)} ${pad('ratio', 6)} ${pad('bytes', 7)} ${pad('min', 7)} ${pad('ratio', 6)} ${pad('ms', 7)}`);
  for (const c of CASES) {
    const device = new VirtualReader(c.profile, { turnaroundMs: 1 });
    device.insertCard(new TestApplet(c.atr));
    const [reader] = await CcidReader.open(device, { timeoutMs: 5000 });
    const card = await reader!.connect(0);
    const ops: [string, () => Promise<Uint8Array>, { transfers: number; bytes: number }][] = [
      ['2 KB cert read', () => card.transmit(Uint8Array.of(0x80, 0x20, CERT >> 8, CERT & 0xff, 0x00, 0x00, 0x00)), minimum(c, 0, CERT + 2, true)],
      ['RSA-2048 sign', () => signature(card, c.label), minimum(c, SIG_CMD, SIG_RESP + 2, true)],
    ];
    for (const [name, op, min] of ops) {
      await op(); // warm-up, and a check that it works
      const m = await measure(device, op);
      console.log(`${c.label.padEnd(22)} ${c.profile.id.slice(0, 34).padEnd(34)} ${name.padEnd(16)} ${pad(m.transfers, 9)} ${pad(min.transfers, 5)} ${pad((m.transfers / min.transfers).toFixed(2), 6)} ${pad(m.bytes, 7)} ${pad(min.bytes, 7)} ${pad((m.bytes / min.bytes).toFixed(2), 6)} ${pad(m.ms.toFixed(1), 7)}`);
    }
    await reader!.close();
  }
}

await main();
