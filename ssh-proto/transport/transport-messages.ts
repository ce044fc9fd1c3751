// The transport-layer messages other than key exchange (RFC 4253 §11, RFC 8308 §2.3), parsed and built.
import { MSG } from '../messages.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { SshDisconnectError } from './errors.ts';

/** RFC 4250 §4.1.2: 30-49 belong to the negotiated kex method. */
export const isKexMethodMessage = (t: number): boolean => t >= 30 && t <= 49;

/** KEXINIT, NEWKEYS and the kex method's numbers: all a server may send between its KEXINIT and NEWKEYS (§7.1). */
export const isKexMessage = (t: number): boolean => t === 20 || t === 21 || isKexMethodMessage(t);

/** RFC 4250 §4.1.2: 1-4 are the transport-generic messages (DISCONNECT, IGNORE, UNIMPLEMENTED, DEBUG). */
export const isTransportGenericMessage = (t: number): boolean => t >= 1 && t <= 4;

/**
 * Numbers the layers above may use (RFC 4250 §4.1): user auth 50-79 (method-specific numbers included),
 * connection 80-82 and 90-100. Anything else (83-89, 101-255) no layer of this client implements: the transport
 * answers SSH_MSG_UNIMPLEMENTED for it itself (RFC 4253 §11.4), as the upper layers never learn sequence numbers.
 */
export const isUpperLayerMessage = (t: number): boolean => (t >= 50 && t <= 82) || (t >= 90 && t <= 100);

/** byte SSH_MSG_DISCONNECT, uint32 reason code, string description (UTF-8), string language tag (§11.1). */
export function parseDisconnect(payload: Uint8Array): SshDisconnectError {
  const r = new SshReader(payload);
  r.byte();
  const reason = r.uint32();
  let description = '';
  try { description = r.utf8(); } catch { /* a malformed description does not hide the reason */ }
  return new SshDisconnectError(reason, description);
}

export function encodeDisconnect(reason: number, description: string): Uint8Array {
  return new SshWriter(64 + description.length).byte(MSG.DISCONNECT).uint32(reason).string(description).string('').toBytes();
}

/** byte SSH_MSG_DEBUG, boolean always_display, string message, string language tag (§11.3). */
export function parseDebug(payload: Uint8Array): { alwaysDisplay: boolean; message: string } {
  const r = new SshReader(payload);
  r.byte();
  return { alwaysDisplay: r.boolean(), message: r.utf8() };
}

/** byte SSH_MSG_UNIMPLEMENTED, uint32 packet sequence number of the rejected message (§11.4). */
export function parseUnimplemented(payload: Uint8Array): number {
  const r = new SshReader(payload);
  r.byte();
  return r.uint32();
}

export function encodeUnimplemented(seq: number): Uint8Array {
  return new SshWriter(8).byte(MSG.UNIMPLEMENTED).uint32(seq).toBytes();
}

/** RFC 8308 §2.3: byte SSH_MSG_EXT_INFO, uint32 nr-extensions, then (string name, string value) pairs. */
export function parseExtInfo(payload: Uint8Array): { extensions: Map<string, Uint8Array>; serverSigAlgs: string[] | undefined } {
  const r = new SshReader(payload);
  r.byte();
  const n = r.uint32();
  const extensions = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) extensions.set(r.name(), r.string());
  const sigAlgs = extensions.get('server-sig-algs'); // RFC 8308 §3.1: a name-list
  return { extensions, serverSigAlgs: sigAlgs ? new SshReader(new SshWriter().string(sigAlgs).toBytes()).nameList() : undefined };
}
