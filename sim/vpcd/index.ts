// sim/vpcd/: serves a simulated card over vsmartcard's vpcd socket, so pcscd shows it.
export { VpcdBridge, VpcdError, VPCD_DEFAULT_PORT } from './bridge.ts';
export { isSelfConnected } from './self-connected.ts';
export type { VpcdBridgeOptions } from './bridge.ts';
