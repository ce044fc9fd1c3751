/**
 * How many APDU/TPDU bytes one CCID message carries, derived once from the class descriptor.
 * CCID 1.1 §5.1: dwMaxCCIDMessageLength counts the 10-byte header (§6.1) and "shall be between
 * 261 + 10 and 65544 + 10". Real readers declare less (libccid's dumps: 240 at the short APDU
 * level, 64 at the extended level) and work by chaining, so only a size that cannot carry the
 * smallest exchange unit is refused.
 */
import type { CcidClassDescriptor } from './descriptor.ts';
import { HEADER_SIZE } from './message.ts';

/**
 * The smallest payload every path needs: a T=1 block with one INF byte and a CRC
 * (3 + 1 + 2, ISO/IEC 7816-3 §11.3.1), which also holds a T=0 header (5) or a case 1 APDU (4).
 */
export const MIN_MESSAGE_DATA = 6;

/** Bytes of data one XfrBlock / DataBlock carries: dwMaxCCIDMessageLength minus the header. */
export function messageDataSize(descriptor: CcidClassDescriptor): number {
  return descriptor.dwMaxCCIDMessageLength - HEADER_SIZE;
}

/** Why the descriptor's message size cannot carry an exchange, or undefined when it can. */
export function messageSizeProblem(descriptor: CcidClassDescriptor): string | undefined {
  const size = descriptor.dwMaxCCIDMessageLength;
  if (messageDataSize(descriptor) >= MIN_MESSAGE_DATA) return undefined;
  return `This reader announces a maximum CCID message of ${size} bytes, too small to carry a command `
    + `(at least ${HEADER_SIZE + MIN_MESSAGE_DATA} are needed; CCID 1.1 §5.1 asks for 271). Its firmware descriptor is broken; use another reader.`;
}
