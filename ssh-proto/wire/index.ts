export { SshReader } from './reader.ts';
export { SshWriter } from './writer.ts';
