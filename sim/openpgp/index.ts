// sim/openpgp/: a simulated OpenPGP card 3.4 and its provisioning.
export { OpenPgpCard, OPENPGP_RID_PIX } from './openpgp-card.ts';
export type { OpenPgpCardOptions, OpenPgpRole } from './openpgp-card.ts';
export { provisionOpenPgpCard, provisionDemoOpenPgpCard, demoOpenPgpAuthKey } from './provision.ts';
export type { ProvisionedOpenPgpCard } from './provision.ts';
