// sim/vpcd/: serves a simulated card over vsmartcard's vpcd socket, so pcscd shows it.
export { isSelfConnected, VpcdBridge, VpcdError, VPCD_DEFAULT_PORT } from './bridge.ts';
export type { VpcdBridgeOptions } from './bridge.ts';
