// A TCP connection to oneself, which a retried loopback connect can end up with.
import type { Socket } from 'node:net';

/**
 * Whether a loopback connection reached itself. Retried against a port where nothing listens yet, a connect can be
 * given that very port as its source port: the SYN then meets itself and the socket is connected to itself (TCP
 * simultaneous open, RFC 9293 §3.5). It talks to no peer, and holds the port the peer is about to listen on.
 */
export function isSelfConnected(socket: Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}
