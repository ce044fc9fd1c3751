// Protocol version exchange (RFC 4253 §4.2), sans-I/O: bytes in, a verdict out.
// The server may send other lines before "SSH-"; we bound their number and total size so an endless
// banner cannot hold the connection (or our memory) forever.
import { SshTransportError } from './errors.ts';

export const MAX_PRE_BANNER_LINES = 1024;
export const MAX_PRE_BANNER_BYTES = 64 * 1024;
/** RFC 4253 §4.2: the identification string is at most 255 characters including CR LF. */
export const MAX_VERSION_LINE = 255;

export interface VersionResult {
  /** The server's identification string without CR LF (it enters the exchange hash as V_S). */
  serverVersion: string;
  /** Lines the server sent before its identification (shown to the user, never parsed). */
  preBanner: string[];
  /** Bytes after the identification line: the start of the binary packet protocol. */
  rest: Uint8Array;
}

const latin1 = new TextDecoder('latin1');

export class VersionExchange {
  private pending = new Uint8Array(0);
  private lines: string[] = [];
  private consumed = 0;

  /** Feed received bytes; returns the result once the identification line is complete. */
  feed(chunk: Uint8Array): VersionResult | undefined {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    let start = 0;
    for (;;) {
      const lf = buf.indexOf(0x0a, start);
      if (lf < 0) break;
      const lineBytes = buf.subarray(start, lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf);
      const lineLength = lf + 1 - start;
      start = lf + 1;
      this.consumed += lineLength;
      const line = latin1.decode(lineBytes);
      if (line.startsWith('SSH-')) {
        if (lineLength > MAX_VERSION_LINE) throw new SshTransportError('VERSION_BAD_LINE', `the server's identification line is longer than ${MAX_VERSION_LINE} bytes (RFC 4253 §4.2)`);
        return { serverVersion: checkVersion(line), preBanner: this.lines, rest: buf.slice(start) };
      }
      this.lines.push(line);
      if (this.lines.length > MAX_PRE_BANNER_LINES) {
        throw new SshTransportError('BANNER_TOO_LONG', `the server sent more than ${MAX_PRE_BANNER_LINES} lines before its SSH identification`);
      }
    }
    this.pending = buf.slice(start);
    if (this.consumed + this.pending.length > MAX_PRE_BANNER_BYTES) {
      throw new SshTransportError('BANNER_TOO_LONG', `the server sent more than ${MAX_PRE_BANNER_BYTES} bytes without an SSH identification line`);
    }
    return undefined;
  }
}

/** SSH-protoversion-softwareversion SP comments; protoversion 2.0, or 1.99 (RFC 4253 §5.1: a server that also speaks 2.0). */
function checkVersion(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new SshTransportError('VERSION_BAD_LINE', 'the server identification contains a non-printable character');
  }
  const dash = line.indexOf('-', 4);
  const proto = dash < 0 ? '' : line.slice(4, dash);
  if (proto !== '2.0' && proto !== '1.99') {
    throw new SshTransportError('VERSION_UNSUPPORTED', `the server speaks SSH protocol ${proto || '(none)'}, not 2.0 ("${line}")`);
  }
  return line;
}

export const DEFAULT_CLIENT_VERSION = 'SSH-2.0-Tessera_0.1';
