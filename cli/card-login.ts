// `tessera ssh --card sim:PROFILE|sim-openpgp:PROFILE|usb [--card-ca FILE]`: the smart-card identity for the Node client.
// usb: the first CCID reader node-usb finds; sim:PROFILE: a simulated PIV card (sim/) in a virtual reader built
// from the libccid dump PROFILE, with its own test CA as the trust anchor (a demo: its key is printed to authorize);
// sim-openpgp:PROFILE: the same with a simulated OpenPGP card 3.4 (no PIV application), whose authentication key
// is sim/'s published demo key. The card's PIV application is used, or its OpenPGP one when it has no PIV
// (identity/'s openCardToken): then the authentication key (AUT), as gpg-agent offers it to ssh.
// The card certificate goes through identity/'s pre-sign gate (kiosk policy) before any signature.
// Pulling the card out ends the SSH session with a clear message (watchRemoval). With sim:PROFILE, `kill -USR2 PID`
// pulls the simulated card out of its virtual reader, to try that without hardware.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PivToken, SLOT_AUTHENTICATION, type CardKey } from '../card/index.ts';
import { CcidReader, type UsbDeviceLike } from '../ccid/index.ts';
import {
  cardAuthMethods, cardDescription, endSessionsOnRemoval, openCardSession, openCardToken, sshPublicKeyBlob,
  type CardAuthKind, type PinRequest,
} from '../identity/index.ts';
import { decodePemOrDer } from '../pki/index.ts';
import { loadProfile, provisionDemoOpenPgpCard, provisionPivCard, VirtualReader } from '../sim/index.ts';
import type { AuthMethod } from '../ssh-proto/index.ts';
import { UsageError } from './command.ts';
import { httpFetch } from './http-fetch.ts';
import { listUsbReaders } from './usb-devices.ts';

export interface CardLoginOptions {
  /** "usb", "sim:PROFILE" or "sim-openpgp:PROFILE". */
  readonly spec: string;
  /** PEM or DER files with the CAs trusted for card certificates (required for usb). */
  readonly caFiles: readonly string[];
  readonly askPin: (request: PinRequest) => Promise<string | undefined>;
  /** --card-cert: an OpenSSH user certificate for the card key, a file or an http(s) URL; read once the card is open. */
  readonly certificate?: string;
  /** The auth methods in the order offered (default identity/'s). */
  readonly order?: readonly CardAuthKind[];
  /** The gate's revocation checking of the card certificate (default prefer). */
  readonly revocation?: 'require' | 'prefer' | 'off';
  /** Allow SHA-1 signatures (x509v3-ssh-rsa) and SHA-1 certificates (default false). */
  readonly allowSha1?: boolean;
  readonly say: (message: string) => void;
}

export interface CardLogin {
  readonly methods: AuthMethod[];
  readonly key: CardKey;
  /**
   * Closes the SSH client when the card is pulled out, saying so; `removed` then becomes true. When the client
   * closes for any reason, watching stops and the reader is released. Returns a function that stops watching.
   */
  watchRemoval(client: { close(description?: string): Promise<void>; readonly closed?: Promise<unknown> }): () => void;
  /** True once the card was removed during the session. */
  readonly removed: boolean;
  close(): Promise<void>;
}

async function openDevice(spec: string, say: (m: string) => void): Promise<{ device: UsbDeviceLike; anchors: Uint8Array[]; eject?: () => void }> {
  if (spec === 'usb') {
    const { devices, problem } = await listUsbReaders();
    const device = devices[0];
    if (!device) throw new UsageError(`no USB smart-card reader was found${problem ? `: ${problem}` : ''}.`);
    return { device, anchors: [] };
  }
  const sim = /^(sim|sim-openpgp):(.*)$/.exec(spec);
  if (sim) {
    let profile;
    try { profile = loadProfile(sim[2]!); } catch (err) {
      throw new UsageError(`no reader profile '${sim[2]}': ${(err as Error).message}`);
    }
    const device = new VirtualReader(profile);
    if (sim[1] === 'sim-openpgp') {
      const card = await provisionDemoOpenPgpCard();
      device.insertCard(card.card);
      const blob = await sshPublicKeyBlob(card.spki, card.authKey.algorithm);
      say(`tessera: simulated OpenPGP card, PIN 123456; its OpenPGP Authentication key: ${new TextDecoder().decode(blob.subarray(4, 4 + blob[3]!))} ${Buffer.from(blob).toString('base64')}`);
      return { device, anchors: [card.ca.certificate], eject: () => device.removeCard(0) };
    }
    const card = await provisionPivCard();
    device.insertCard(card.card);
    const slot = card.slots.get(SLOT_AUTHENTICATION);
    if (slot) {
      const blob = await sshPublicKeyBlob(slot.spki, slot.algorithm);
      say(`tessera: simulated card, PIN 123456; its PIV Authentication key: ${new TextDecoder().decode(blob.subarray(4, 4 + blob[3]!))} ${Buffer.from(blob).toString('base64')}`);
    }
    return { device, anchors: [card.ca.certificate], eject: () => device.removeCard(0) };
  }
  throw new UsageError(`--card takes "usb" or "sim:PROFILE" (a simulated PIV card; "sim-openpgp:PROFILE" for an OpenPGP one), not '${spec}'.`);
}

/** The "-cert.pub" text from a file or an http(s) URL. */
async function loadCertificate(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let r;
    try { r = await httpFetch(source); } catch (err) {
      throw new UsageError(`cannot fetch the card certificate ${source}: ${(err as Error).message}`);
    }
    if (!r.ok) throw new UsageError(`cannot fetch the card certificate ${source}: HTTP status ${r.status}.`);
    return new TextDecoder().decode(await r.arrayBuffer());
  }
  try { return await readFile(source, 'utf8'); } catch (err) {
    throw new UsageError(`cannot read the card certificate file ${source}: ${(err as Error).message}`);
  }
}

export async function cardLogin(options: CardLoginOptions): Promise<CardLogin> {
  const { device, anchors: simAnchors, eject } = await openDevice(options.spec, options.say);
  const anchors = [...simAnchors];
  for (const file of options.caFiles) {
    try { anchors.push(...decodePemOrDer(readFileSync(file))); } catch (err) {
      throw new UsageError(`cannot read the card CA file ${file}: ${(err as Error).message}`);
    }
  }
  if (anchors.length === 0) throw new UsageError('--card needs --card-ca FILE: the card certificate is validated against it before the card signs.');
  const [reader] = await CcidReader.open(device);
  if (!reader) throw new UsageError('the reader exposes no CCID interface.');
  try {
    const card = await reader.connect(0);
    const token = await openCardToken(card, { extended: reader.level === 'extended-apdu' });
    const { keys, skipped } = await token.scanKeys();
    // PIV: 9A first; OpenPGP: its one authentication key. Either way only a key the gate can check (a certificate).
    const key = keys.find((k) => k.id === `piv:${SLOT_AUTHENTICATION.toString(16)}` && k.certificate) ?? keys.find((k) => k.certificate);
    // Slots passed over are named only when no usable key is left: then they are why.
    const why = skipped.map((s) => `; ${s.label}: ${s.reason}`).join('');
    if (!key && token instanceof PivToken) throw new UsageError(`the card holds no key with a certificate${why}.`);
    if (!key) {
      const what = keys.length > 0
        ? 'its authentication key has no cardholder certificate (DO 7F21), and --card signs only after validating the key\'s X.509 certificate against --card-ca'
        : `it holds no authentication key${why}`;
      throw new UsageError(`the ${cardDescription(token)} cannot sign in: ${what}.`);
    }
    const session = await openCardSession(token, key, {
      gate: { mode: 'kiosk', anchors, revocation: { mode: options.revocation ?? 'prefer', fetch: httpFetch }, ...(options.allowSha1 ? { allowSha1: true } : {}) },
      askPin: options.askPin,
      onTouch: () => options.say('tessera: Touch your key.'),
    });
    if (options.certificate !== undefined && options.order && !options.order.includes('openssh-certificate')) {
      throw new UsageError(`the card certificate ${options.certificate} would not be offered: add openssh-certificate to the auth order.`);
    }
    const opensshCertificate = options.certificate !== undefined ? await loadCertificate(options.certificate) : undefined;
    const methods = await cardAuthMethods(session, {
      ...(options.order ? { order: options.order } : {}), ...(opensshCertificate !== undefined ? { opensshCertificate } : {}),
    });

    let removed = false;
    const onEjectSignal = eject ? () => { options.say('tessera: SIGUSR2: pulling the simulated card out of its reader.'); eject(); } : undefined;
    if (onEjectSignal) process.on('SIGUSR2', onEjectSignal);
    const close = async () => {
      if (onEjectSignal) process.off('SIGUSR2', onEjectSignal);
      await reader.close();
    };
    return {
      methods, key,
      get removed() { return removed; },
      watchRemoval: (client) => {
        const stop = endSessionsOnRemoval(reader, 0, [session], [client], (e) => { removed = true; options.say(`tessera: ${e.message}`); });
        // The reader's slot monitoring keeps Node alive: release it with the session.
        void client.closed?.then(() => { stop(); return close(); }).catch(() => undefined);
        return stop;
      },
      close,
    };
  } catch (err) {
    await reader.close().catch(() => undefined);
    throw err;
  }
}
