// The PIV certificate container (SP 800-73-4 Part 1 Appendix A, Table 10): tag 70 the
// certificate, 71 CertInfo (bit 0 = compressed, SP 800-73-4 Part 1 §3.3.2 note), FE the
// error detection code. Compressed certificates are gzip (PIV, YubiKey) or zlib (some
// CAC cards); both decompress with the browser's DecompressionStream.
import { concatBytes } from './apdu.ts';
import { MalformedResponseError } from './errors.ts';
import { findTlv, parseTlvs, requireTlv } from './tlv.ts';

/** A decompressed certificate larger than this is refused (a bomb, not a certificate). */
const MAX_CERTIFICATE = 64 * 1024;

export interface CertificateContainer {
  readonly certificate: Uint8Array;
  readonly compressed: boolean;
}

/** Parses the value of tag 53 of a certificate object and decompresses as needed. */
export async function parseCertificateContainer(content: Uint8Array): Promise<CertificateContainer> {
  const tlvs = parseTlvs(content);
  const cert = requireTlv(tlvs, 0x70, 'certificate container');
  const info = findTlv(tlvs, 0x71);
  // 0x01 per SP 800-73-4; 0x80 is used by some older cards for the same meaning.
  const compressed = info !== undefined && info.length > 0 && (info[0]! & 0x81) !== 0;
  if (!compressed) return { certificate: cert.slice(), compressed: false };
  return { certificate: await decompress(cert), compressed: true };
}

function format(data: Uint8Array): 'gzip' | 'deflate' {
  if (data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  // zlib (RFC 1950 §2.2): CM = 8, and CMF*256 + FLG a multiple of 31.
  if (data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0) return 'deflate';
  throw new MalformedResponseError('The card marks its certificate compressed, but it is neither gzip nor zlib');
}

async function decompress(data: Uint8Array): Promise<Uint8Array> {
  const kind = format(data);
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(kind));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_CERTIFICATE) {
        await reader.cancel();
        throw new MalformedResponseError('The card\'s compressed certificate expands past 64 KiB');
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof MalformedResponseError) throw err;
    throw new MalformedResponseError(`The card's compressed certificate is corrupt (${kind})`);
  }
  return concatBytes(parts);
}
