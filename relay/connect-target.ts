// Reaching an admitted target: resolve its name once, check every address against the
// allowlist, and connect to the address that was checked (never to the name again, so a
// DNS answer that changes between check and connect — DNS rebinding — has no effect).
import { lookup } from 'node:dns/promises';
import { connect, type OnReadOpts, type Socket } from 'node:net';
import { normalizeIp } from './address.ts';
import type { TargetAllowlist } from './allowlist.ts';
import { RelayError } from './errors.ts';
import { formatTarget, type TargetRequest } from './target.ts';

export interface ResolvedAddress { readonly address: string; readonly family: 4 | 6 }
/** Resolves a host name once per connection. Injectable so tests can simulate DNS rebinding. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** The resolver's answer, or undefined once `timeoutMs` has passed without one. */
function answerWithin(pending: Promise<readonly ResolvedAddress[]>, timeoutMs: number): Promise<readonly ResolvedAddress[] | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs); });
  return Promise.race([pending.catch(() => []), late]).finally(() => clearTimeout(timer));
}

/**
 * The checked addresses for a target, or a RelayError (TARGET_FORBIDDEN, PRIVATE_ADDRESS,
 * DNS_FAILED). The lookup gets `timeoutMs` (the connect timeout): a name whose DNS never answers
 * would otherwise hold its WebSocket, and a place under the session limits, for as long as it hangs.
 */
export async function resolveTarget(target: TargetRequest, allowlist: TargetAllowlist, resolver: Resolver, timeoutMs: number): Promise<readonly ResolvedAddress[]> {
  const to = formatTarget(target.host, target.port).slice(0, 60);
  // Checked before any lookup: the relay never resolves names nobody allowed.
  if (!allowlist.admits(target.host, target.port)) throw new RelayError('TARGET_FORBIDDEN', `The relay does not allow ${to}.`);
  const literal = normalizeIp(target.host);
  let addresses: readonly ResolvedAddress[];
  if (literal) {
    addresses = [{ address: literal.address, family: literal.family === 'ipv6' ? 6 : 4 }];
  } else {
    const answer = await answerWithin(resolver(target.host), timeoutMs);
    if (answer === undefined) throw new RelayError('DNS_FAILED', `The name ${target.host.slice(0, 60)} did not resolve within ${timeoutMs} ms.`);
    addresses = answer;
    if (addresses.length === 0) throw new RelayError('DNS_FAILED', `The name ${target.host.slice(0, 60)} did not resolve.`);
  }
  // Every address must pass: an answer mixing a public and a private address is refused.
  for (const a of addresses) {
    const verdict = allowlist.check(target.host, target.port, a.address);
    if (verdict === 'PRIVATE_ADDRESS') throw new RelayError('PRIVATE_ADDRESS', `${to} resolves to a private address the relay may not reach.`);
    if (verdict !== 'allowed') throw new RelayError('TARGET_FORBIDDEN', `The relay does not allow ${to}.`);
  }
  return addresses;
}

/**
 * Connects to the first checked address that answers. The socket reads through `onread`
 * (see read-buffer.ts) and starts paused: nothing is read until the session resumes it.
 */
export async function connectChecked(addresses: readonly ResolvedAddress[], port: number, timeoutMs: number, onread: OnReadOpts): Promise<{ socket: Socket; address: string }> {
  let last: RelayError | undefined;
  for (const a of addresses) {
    try {
      return { socket: await connectTcp(a.address, port, timeoutMs, onread), address: a.address };
    } catch (err) {
      last = err as RelayError;
    }
  }
  throw last ?? new RelayError('TARGET_UNREACHABLE', 'The server could not be reached.');
}

function connectTcp(host: string, port: number, timeoutMs: number, onread: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, onread });
    socket.pause();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RelayError('TARGET_UNREACHABLE', `The server did not answer within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); socket.removeAllListeners('error'); resolve(socket); });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new RelayError('TARGET_UNREACHABLE', `The server could not be reached (${err.code ?? 'error'}).`));
    });
  });
}
