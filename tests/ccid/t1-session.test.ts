// The host T=1 layer (ccid/t1.ts) against the independent card-side T=1 of sim/ccid, block by
// block, with every card-side fault (ISO/IEC 7816-3 §11.6 error handling) and host-side block loss.
import { describe, expect, it } from 'vitest';
import { T1Error, T1Session, decodeBlock } from '../../ccid/index.ts';
import { PivClient } from '../../card/index.ts';
import { ATRS, PivCard, SimCard, TestApplet, patternByte } from '../../sim/index.ts';
import type { T1Fault } from '../../sim/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function setup(options: { ifsc?: number; maxBlock?: number; mangleHost?: (n: number, b: Uint8Array) => Uint8Array } = {}) {
  const card = new SimCard(new TestApplet(ATRS.yubikey5));
  card.reset();
  const seen: { block: Uint8Array; bwi: number }[] = [];
  let n = 0;
  const session = new T1Session({
    exchange: async (block, bwi) => {
      // A copy: the session zeroes each block it encoded once the exchange is over (PIN hygiene).
      seen.push({ block: block.slice(), bwi });
      const sent = options.mangleHost ? options.mangleHost(n++, block) : block;
      return card.processT1(sent);
    },
  }, { ifsc: options.ifsc ?? 254, ...(options.maxBlock !== undefined ? { maxBlock: options.maxBlock } : {}) });
  return { card, session, seen };
}

const READ_2K = Uint8Array.of(0x80, 0x20, 0x08, 0x00, 0x00, 0x00, 0x00);
const check2k = (r: Uint8Array): void => {
  expect(r.length).toBe(2050);
  expect(hex(r.subarray(2048))).toBe('9000');
  for (let i = 0; i < 2048; i++) if (r[i] !== patternByte(i)) throw new Error(`byte ${i}`);
};

describe('T=1 session against the card model', () => {
  it('negotiates IFSD, then receives a 2 KB answer chained in IFSD-sized I-blocks', async () => {
    const { session, seen } = setup();
    await session.negotiateIfsd(254);
    expect(hex(seen[0]!.block)).toBe('00c101fe3e');
    check2k(await session.transceive(READ_2K));
    // 2050 bytes in 254-byte blocks: 9 card I-blocks, so 1 I-block + 8 R-blocks from us.
    expect(seen.length).toBe(1 + 1 + 8);
  });

  it('default IFSD 32 means more, smaller blocks', async () => {
    const { session, seen } = setup();
    check2k(await session.transceive(READ_2K));
    expect(seen.length).toBe(Math.ceil(2050 / 32));
  });

  it('chains a 600-byte command in IFSC-sized I-blocks and gets it back', async () => {
    const { session, seen } = setup({ ifsc: 100 });
    const data = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const apdu = Uint8Array.of(0x80, 0x10, 0, 0, 0x00, 0x02, 0x58, ...data, 0x00, 0x00);
    const r = await session.transceive(apdu);
    expect(hex(r)).toBe(hex(data) + '9000');
    const sent = seen.map((s) => decodeBlock(s.block));
    expect(sent.filter((b) => b.kind === 'I').length).toBe(Math.ceil(apdu.length / 100));
    expect(sent.every((b) => b.kind !== 'I' || b.inf.length <= 100)).toBe(true);
  });

  it('keeps blocks within the reader message size even when IFSC is larger', async () => {
    const { session, seen } = setup({ ifsc: 254, maxBlock: 54 });
    await session.negotiateIfsd(254);
    expect(session.currentIfsd).toBe(50);
    const data = new Uint8Array(200).fill(7);
    expect(hex(await session.transceive(Uint8Array.of(0x80, 0x10, 0, 0, 200, ...data, 0x00)))).toBe(hex(data) + '9000');
    expect(seen.every((s) => s.block.length <= 54)).toBe(true);
  });

  const faultCases: [T1Fault, (s: T1Session, seen: { bwi: number }[]) => void][] = [
    ['corrupt', (s) => expect(s.stats.retransmissions).toBeGreaterThan(0)],
    ['nak', (s) => expect(s.stats.retransmissions).toBeGreaterThan(0)],
    ['wtx', (_s, seen) => expect(seen.some((x) => x.bwi === 2)).toBe(true)],
    ['ifs', (s) => expect(s.currentIfsc).toBe(254)],
  ];
  for (const [fault, verify] of faultCases) {
    it(`recovers from card fault '${fault}'`, async () => {
      const { card, session, seen } = setup({ ifsc: 32 });
      await session.negotiateIfsd(254);
      card.t1Faults.push(fault);
      check2k(await session.transceive(READ_2K));
      verify(session, seen);
      // The session stays usable afterwards.
      expect(hex(await session.transceive(Uint8Array.of(0x80, 0x20, 0x00, 0x03, 0x03)))).toBe('030a119000');
    });
  }

  // §11.6.3.2 rule 6: S(RESYNCH) restores the block layer only. Once a command's last I-block
  // has gone out the host cannot know whether the card ran it, so it is not sent again.
  it("card fault 'lost-sync' after the command went out: one resync, T1_RESYNCHRONISED, no replay", async () => {
    const { card, session, seen } = setup({ ifsc: 32 });
    await session.negotiateIfsd(254);
    card.t1Faults.push('lost-sync');
    const err = await session.transceive(READ_2K).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(T1Error);
    expect((err as T1Error).code).toBe('T1_RESYNCHRONISED');
    expect(session.stats.resyncs).toBe(1);
    expect(seen.map((s) => decodeBlock(s.block)).filter((b) => b.kind === 'I').length).toBe(1);
    // The link is usable again, and the caller may send the command itself.
    check2k(await session.transceive(READ_2K));
    expect(hex(await session.transceive(Uint8Array.of(0x80, 0x20, 0x00, 0x03, 0x03)))).toBe('030a119000');
  });

  it("card fault 'lost-sync' before a chained command's last block: the command is sent again, once", async () => {
    const { card, session } = setup({ ifsc: 100 });
    const data = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const apdu = Uint8Array.of(0x80, 0x10, 0, 0, 0x00, 0x02, 0x58, ...data, 0x00, 0x00);
    card.t1Faults.push('lost-sync');
    expect(hex(await session.transceive(apdu))).toBe(hex(data) + '9000');
    expect(session.stats.resyncs).toBe(1);
    expect(card.stats.apdus).toBe(1);
  });

  it('a VERIFY whose answer is lost is run by the card once: one PIN try, T1_RESYNCHRONISED', async () => {
    // The real PIV model (sim/piv) behind the card-side T=1: its retry counter is the witness.
    const piv = new PivCard({ pinRetries: 3 });
    const card = new SimCard(piv);
    card.reset();
    const session = new T1Session({ exchange: async (block) => card.processT1(block) }, { ifsc: 254 });
    const client = new PivClient({ transmit: (apdu) => session.transceive(apdu) });
    // The card runs the VERIFY, then its answer and all three retransmissions arrive corrupted.
    card.t1Faults.push('corrupt', 'corrupt', 'corrupt', 'corrupt');
    const err = await client.verifyPin('654321').catch((e: unknown) => e);
    // card/ keeps ccid's code and sentence, which the page and the CLI show as they are.
    expect(err).toMatchObject({ code: 'CARD_TRANSPORT', transportCode: 'T1_RESYNCHRONISED' });
    expect((err as Error).message).toMatch(/^The reader lost sync with the card.*try again\.$/);
    expect(session.stats.resyncs).toBe(1);
    expect(piv.log.filter((e) => e.command[1] === 0x20).length).toBe(1);
    expect(piv.pinLeft).toBe(2);
    // The next (user-initiated) attempt is one more try, and its answer arrives.
    await expect(client.verifyPin('654321')).rejects.toMatchObject({ code: 'PIN_INCORRECT', retriesLeft: 1 });
    expect(piv.pinLeft).toBe(1);
  });

  it('recovers when a fault hits in the middle of a chained answer', async () => {
    const { card, session } = setup();
    await session.negotiateIfsd(64);
    const first = session.transceive(READ_2K);
    card.t1Faults.push('corrupt', 'corrupt');
    check2k(await first);
  });

  it("recovers when the host's block is corrupted on the way (card answers R(error))", async () => {
    const { session } = setup({
      mangleHost: (n, b) => (n === 0 ? Uint8Array.from(b, (x, i) => (i === b.length - 1 ? x ^ 0xff : x)) : b),
    });
    check2k(await session.transceive(READ_2K));
    expect(session.stats.retransmissions).toBeGreaterThan(0);
  });

  it('S(ABORT) from the card fails the command with T1_ABORTED, and the next one works', async () => {
    const { card, session } = setup();
    card.t1Faults.push('abort');
    await expect(session.transceive(READ_2K)).rejects.toMatchObject({ code: 'T1_ABORTED' });
    expect(hex(await session.transceive(Uint8Array.of(0x80, 0x20, 0x00, 0x03, 0x03)))).toBe('030a119000');
  });

  it('a card that only sends garbage ends in T1_PROTOCOL after bounded retries and resyncs', async () => {
    let calls = 0;
    const session = new T1Session({ exchange: async () => { calls++; return Uint8Array.of(0, 0, 5, 1); } }, { ifsc: 32 });
    const err = await session.transceive(READ_2K).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(T1Error);
    expect((err as T1Error).code).toBe('T1_PROTOCOL');
    expect(calls).toBeLessThan(40);
  });
});
