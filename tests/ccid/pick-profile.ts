// The real reader profiles (../shared/data/ccid-readers) the card-path tests run their virtual readers from.
import { loadProfiles, type ReaderProfile } from '../../sim/index.ts';

export const { profiles } = loadProfiles();

/** The first single-interface bulk reader at exchange `level` (dwFeatures bits 16-18, CCID §5.1) speaking T=`protocol`. */
export function pickProfile(level: number, protocol: number, extra: (p: ReaderProfile) => boolean = () => true): ReaderProfile {
  const p = profiles.find((x) => x.interfaces.length === 1 && x.interfaces[0]!.numEndpoints >= 2 && (x.interfaces[0]!.descriptor.dwFeatures & 0x70000) === level
    && (x.interfaces[0]!.descriptor.dwProtocols & (1 << protocol)) !== 0 && extra(x));
  if (!p) throw new Error(`no profile at level ${level.toString(16)} with T=${protocol}`);
  return p;
}

/** A reader that leaves PPS and IFSD to the host (no automatic parameter, PPS or IFSD negotiation, dwFeatures 0x4c0). */
export const hostNegotiates = (p: ReaderProfile): boolean => (p.interfaces[0]!.descriptor.dwFeatures & 0x4c0) === 0;
