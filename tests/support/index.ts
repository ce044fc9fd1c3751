export { freePort, waitForPort, startPeer, requireExecutable, PeerMissingError, PeerStartError } from './process.ts';
export type { Peer } from './process.ts';
export { listeningPorts, waitForListening } from './listening.ts';
export type { WaitForListeningOptions } from './listening.ts';
export { startOnFreePort } from './start-on-free-port.ts';
export type { StartOnFreePortOptions } from './start-on-free-port.ts';
export { openFifo, sha256Of, statusFlags, watchStatusFlags, O_NONBLOCK } from './fifo.ts';
export { ensureCliBundle } from './cli-bundle.ts';
export { startFreezingProxy, type FreezingProxy } from './freezing-proxy.ts';
