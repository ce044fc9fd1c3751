export { freePort, waitForPort, startPeer, requireExecutable, PeerMissingError, PeerStartError } from './process.ts';
export type { Peer } from './process.ts';
