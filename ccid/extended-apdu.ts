/**
 * APDU exchange at short and extended APDU level, CCID 1.1 §6.1.4: an APDU longer than one
 * message is split with wLevelParameter (01 begins, 03 continues, 02 ends) and the reader
 * answers each part with an empty DataBlock whose bChainParameter is 10; a long response
 * comes back in parts (bChainParameter 01, 03, 02), each fetched with wLevelParameter 10.
 */
import { CcidProtocolError } from './errors.ts';
import type { ReplyMessage } from './message.ts';
import { concat } from './t1.ts';

export type Xfr = (data: Uint8Array, levelParameter: number) => Promise<ReplyMessage>;

const Level = { WHOLE: 0x00, BEGIN: 0x01, END: 0x02, CONTINUE: 0x03, MORE_RESPONSE: 0x10 } as const;
/** A response bound: 64 KiB of data plus SW, split into parts of at least 1 byte. */
const MAX_RESPONSE = 65_538;

export async function transmitApduLevel(xfr: Xfr, apdu: Uint8Array, maxData: number): Promise<Uint8Array> {
  // Parts of < 1 byte never reach the end of the APDU (CCID 1.1 §5.1 sizes a message at >= 271).
  if (!Number.isInteger(maxData) || maxData < 1) {
    throw new CcidProtocolError(`The reader cannot carry an APDU in messages of ${maxData} data bytes.`);
  }
  let reply: ReplyMessage;
  if (apdu.length <= maxData) {
    reply = await xfr(apdu, Level.WHOLE);
  } else {
    reply = await xfr(apdu.subarray(0, maxData), Level.BEGIN);
    let off = maxData;
    while (true) {
      if (reply.data.length !== 0 || (reply.specific !== Level.MORE_RESPONSE && reply.specific !== 0)) {
        throw new CcidProtocolError(`The reader answered a command part with ${reply.data.length} data bytes and chain parameter 0x${reply.specific.toString(16)}; expected an empty block asking for more (0x10).`);
      }
      const last = off + maxData >= apdu.length;
      reply = await xfr(apdu.subarray(off, off + maxData), last ? Level.END : Level.CONTINUE);
      off += maxData;
      if (last) break;
    }
  }
  const parts: Uint8Array[] = [reply.data];
  let total = reply.data.length;
  let chain = reply.specific;
  if (chain !== 0x00 && chain !== 0x01) {
    throw new CcidProtocolError(`The reader began a response with chain parameter 0x${chain.toString(16)}.`);
  }
  while (chain === 0x01 || chain === 0x03) {
    const next = await xfr(new Uint8Array(0), Level.MORE_RESPONSE);
    if (next.specific !== 0x02 && next.specific !== 0x03) {
      throw new CcidProtocolError(`The reader continued a response with chain parameter 0x${next.specific.toString(16)}.`);
    }
    if (next.data.length === 0 && next.specific === 0x03) throw new CcidProtocolError('The reader sent an empty response part.');
    total += next.data.length;
    if (total > MAX_RESPONSE) throw new CcidProtocolError('The reader sent a response longer than any APDU response.');
    parts.push(next.data);
    chain = next.specific;
  }
  return concat(parts);
}
