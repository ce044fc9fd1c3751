// SSH_MSG_KEXINIT and algorithm negotiation (RFC 4253 §7.1).
//   byte         SSH_MSG_KEXINIT
//   byte[16]     cookie (random bytes)
//   name-list    kex_algorithms, server_host_key_algorithms,
//                encryption c2s, encryption s2c, mac c2s, mac s2c, compression c2s, compression s2c,
//                languages c2s, languages s2c
//   boolean      first_kex_packet_follows
//   uint32       0 (reserved)
import { MSG } from '../messages.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { randomBytes } from '../crypto/index.ts';
import { SshTransportError } from './errors.ts';
import {
  AEAD_CIPHERS, DEFAULT_CIPHERS, DEFAULT_HOST_KEY, DEFAULT_KEX, DEFAULT_MACS, EXT_INFO_C, KEX_STRICT_C, type NegotiatedAlgorithms,
} from './algorithms.ts';
import type { TransportOptions } from './events.ts';

export interface KexInit {
  cookie: Uint8Array;
  kex: string[];
  hostKey: string[];
  cipherC2S: string[];
  cipherS2C: string[];
  macC2S: string[];
  macS2C: string[];
  compressionC2S: string[];
  compressionS2C: string[];
  languagesC2S: string[];
  languagesS2C: string[];
  firstKexPacketFollows: boolean;
}

/** Our KEXINIT from the options (or the defaults). No compression: "none" only. */
export function clientKexInit(o: TransportOptions, initial: boolean): Omit<KexInit, 'cookie'> {
  const ciphers = [...(o.ciphers ?? DEFAULT_CIPHERS)];
  const macs = [...(o.macs ?? DEFAULT_MACS)];
  return {
    // ext-info-c and kex-strict-c only in the first KEXINIT (RFC 8308 §2.1, OpenSSH PROTOCOL §1.10).
    kex: [...(o.kexAlgorithms ?? DEFAULT_KEX), ...(initial ? [EXT_INFO_C, KEX_STRICT_C] : [])],
    hostKey: [...(o.hostKeyAlgorithms ?? DEFAULT_HOST_KEY)],
    cipherC2S: ciphers, cipherS2C: ciphers, macC2S: macs, macS2C: macs,
    compressionC2S: ['none'], compressionS2C: ['none'], languagesC2S: [], languagesS2C: [],
    firstKexPacketFollows: false,
  };
}

export function encodeKexInit(k: Omit<KexInit, 'cookie'> & { cookie?: Uint8Array }): Uint8Array {
  return new SshWriter(1024)
    .byte(MSG.KEXINIT)
    .raw(k.cookie ?? randomBytes(16))
    .nameList(k.kex).nameList(k.hostKey)
    .nameList(k.cipherC2S).nameList(k.cipherS2C)
    .nameList(k.macC2S).nameList(k.macS2C)
    .nameList(k.compressionC2S).nameList(k.compressionS2C)
    .nameList(k.languagesC2S).nameList(k.languagesS2C)
    .boolean(k.firstKexPacketFollows)
    .uint32(0)
    .toBytes();
}

export function parseKexInit(payload: Uint8Array): KexInit {
  const r = new SshReader(payload);
  if (r.byte() !== MSG.KEXINIT) throw new SshTransportError('KEX_UNEXPECTED_MESSAGE', 'expected SSH_MSG_KEXINIT');
  const k: KexInit = {
    cookie: r.raw(16),
    kex: r.nameList(), hostKey: r.nameList(),
    cipherC2S: r.nameList(), cipherS2C: r.nameList(),
    macC2S: r.nameList(), macS2C: r.nameList(),
    compressionC2S: r.nameList(), compressionS2C: r.nameList(),
    languagesC2S: r.nameList(), languagesS2C: r.nameList(),
    firstKexPacketFollows: r.boolean(),
  };
  r.uint32(); // reserved; RFC 4253 §7.1 allows future extensions, so trailing bytes are not checked
  return k;
}

/** The first client algorithm the server also supports (RFC 4253 §7.1). */
function choose(what: string, client: readonly string[], server: readonly string[]): string {
  const found = client.find((a) => server.includes(a));
  if (found === undefined) {
    throw new SshTransportError('KEX_NO_COMMON_ALGORITHM',
      `no common ${what}: we offer ${client.join(',') || '(none)'}; the server offers ${server.join(',') || '(none)'}`);
  }
  return found;
}

export function negotiate(client: KexInit, server: KexInit): NegotiatedAlgorithms {
  const isPseudo = (a: string) => a === 'ext-info-c' || a.startsWith('kex-strict-');
  const kex = choose('key exchange method', client.kex.filter((a) => !isPseudo(a)), server.kex);
  const hostKey = choose('host key algorithm', client.hostKey, server.hostKey);
  const cipherClientToServer = choose('cipher (client to server)', client.cipherC2S, server.cipherC2S);
  const cipherServerToClient = choose('cipher (server to client)', client.cipherS2C, server.cipherS2C);
  const macClientToServer = AEAD_CIPHERS.has(cipherClientToServer) ? 'none' : choose('MAC (client to server)', client.macC2S, server.macC2S);
  const macServerToClient = AEAD_CIPHERS.has(cipherServerToClient) ? 'none' : choose('MAC (server to client)', client.macS2C, server.macS2C);
  return {
    kex, hostKey, cipherClientToServer, cipherServerToClient, macClientToServer, macServerToClient,
    compressionClientToServer: choose('compression (client to server)', client.compressionC2S, server.compressionC2S),
    compressionServerToClient: choose('compression (server to client)', client.compressionS2C, server.compressionS2C),
  };
}

/** RFC 4253 §7: a wrong guess is when the first kex or host key algorithms of the two sides differ. */
export function guessWasWrong(client: KexInit, server: KexInit): boolean {
  return client.kex[0] !== server.kex[0] || client.hostKey[0] !== server.hostKey[0];
}
