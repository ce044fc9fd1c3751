// CCID 1.1 §6 message encoding and reply validation: vectors, a corpus of bad replies,
// and property tests (no crash but typed errors).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidProtocolError } from './errors.ts';
import { Command, decodeReply, describeSlotError, encodeCommand, HEADER, xfrSpecific } from './message.ts';
import { parseInterrupt } from './slot-events.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));

describe('CCID messages', () => {
  it('encodes PC_to_RDR_IccPowerOn (§6.1.1) and XfrBlock with wLevelParameter (§6.1.4)', () => {
    expect(hex(encodeCommand({ type: Command.IccPowerOn, slot: 0, seq: 1, specific: [1, 0, 0] }))).toBe('62000000000001010000');
    const x = encodeCommand({ type: Command.XfrBlock, slot: 1, seq: 0xff, specific: xfrSpecific(2, 0x0010), data: h('00a40400') });
    expect(hex(x)).toBe('6f04000000' + '01ff021000' + '00a40400');
    expect(HEADER.read(x).dwLength).toBe(4);
  });

  it('decodes RDR_to_PC_DataBlock with an ATR and the status fields (§6.2.1, §6.2.6)', () => {
    const r = decodeReply(h('800400000000070000003b021450'));
    expect(r).toMatchObject({ type: 0x80, slot: 0, seq: 7, iccStatus: 'active', commandStatus: 'ok', specific: 0 });
    expect(hex(r.data)).toBe('3b021450');
    const ext = decodeReply(h('80000000000003800200'));
    expect(ext.commandStatus).toBe('time-extension');
    expect(ext.bError).toBe(2);
    const absent = decodeReply(h('8100000000000442fe00'));
    expect([absent.iccStatus, absent.commandStatus, describeSlotError(absent.bError)]).toEqual(['absent', 'failed', 'the card did not answer (mute)']);
  });

  it('rejects malformed replies with CcidProtocolError', () => {
    for (const bad of ['', '80', '80010000000000000000', '800000000000000000' + '00' + 'ff', '7f00000000000000000000'.slice(0, 20), '80000000000000030000', '80000000000000100000', '80000000000000c00000']) {
      expect(() => decodeReply(h(bad)), bad).toThrow(CcidProtocolError);
    }
    expect(() => decodeReply(h('80ffff0000000000000000'), 271)).toThrow(/maximum/);
  });

  it('property: any bytes decode or throw CcidProtocolError; valid replies round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        const r = decodeReply(bytes);
        expect(r.data.length + 10).toBe(bytes.length);
      } catch (err) {
        if (!(err instanceof CcidProtocolError)) throw err;
      }
    }), { numRuns: 5000 });
    fc.assert(fc.property(
      fc.constantFrom(0x80, 0x81, 0x82, 0x83), fc.nat(255), fc.nat(255), fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1, 2), fc.nat(255), fc.uint8Array({ maxLength: 300 }),
      (type, slot, seq, icc, cmd, err, data) => {
        const msg = encodeCommand({ type, slot, seq, specific: [(cmd << 6) | icc, err, 0], data });
        const r = decodeReply(msg);
        expect([r.type, r.slot, r.seq, r.bError, hex(r.data)]).toEqual([type, slot, seq, err, hex(data)]);
      },
    ), { numRuns: 500 });
  });

  it('property: interrupt messages parse or throw CcidProtocolError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 10 }), fc.integer({ min: 1, max: 16 }), (bytes, slots) => {
      try {
        const m = parseInterrupt(bytes, slots);
        if (m.kind === 'slot-change') expect(m.slots.length).toBe(slots);
      } catch (err) {
        if (!(err instanceof CcidProtocolError)) throw err;
      }
    }), { numRuns: 3000 });
    expect(parseInterrupt(h('5003'), 1).slots).toEqual([{ present: true, changed: true }]);
    expect(parseInterrupt(h('5002'), 1).slots).toEqual([{ present: false, changed: true }]);
  });
});
