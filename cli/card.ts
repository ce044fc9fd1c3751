/**
 * `tessera card list [--sim PROFILE | --sim-openpgp PROFILE]`: lists smart-card readers, their cards, and the
 * card's keys: its PIV application, or its OpenPGP one when it has no PIV (identity/'s openCardToken, as
 * `tessera ssh --card` picks it), each key with its OpenSSH SHA256 fingerprint. Real USB readers come through
 * node-usb; `--sim` uses a virtual reader built from a libccid dump (see sim/ccid), holding the test card;
 * `--sim-openpgp` the same reader holding the demo OpenPGP card of `tessera ssh --card sim-openpgp:PROFILE`.
 */
import { CardError, type ApduTransport } from '../card/index.ts';
import type { CcidReader, UsbDeviceLike } from '../ccid/index.ts';
import { CcidError, CcidReader as Reader, hex, ReaderBusyError } from '../ccid/index.ts';
import { cardDescription, IdentityError, openCardToken, sshPublicKeyBlob } from '../identity/index.ts';
import { ATRS, defaultProfilesDir, loadProfile, provisionDemoOpenPgpCard, TestApplet, VirtualReader } from '../sim/index.ts';
import { fingerprintSha256 } from '../ssh-proto/index.ts';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';
import { listUsbReaders, pcscdSocketPresent } from './usb-devices.ts';

const out = (line: string): void => void process.stdout.write(line + '\n');

/** The card's application (PIV, else OpenPGP) and its keys, without a PIN: what `tessera ssh --card` would offer. */
async function describeApplication(card: ApduTransport, extended: boolean): Promise<void> {
  let token;
  try {
    token = await openCardToken(card, { extended });
  } catch (err) {
    if (err instanceof IdentityError && err.code === 'NO_CARD_APPLICATION') { out('    No PIV or OpenPGP application.'); return; }
    if (err instanceof CardError) { out(`    The card's application could not be read: ${err.message} (${err.code})`); return; }
    throw err;
  }
  out(`    ${cardDescription(token)}`);
  const { keys, skipped } = await token.scanKeys();
  for (const key of keys) {
    // RFC 4253 §6.6 / RFC 5656 §3.1 / RFC 8709 §4 blob, fingerprinted as ssh-keygen -lf prints it.
    const fingerprint = await sshPublicKeyBlob(key.spki, key.algorithm).then(fingerprintSha256, () => 'no SSH form');
    out(`    ${key.label}: ${key.algorithm} ${fingerprint}, ${key.certificate ? 'with a certificate' : 'no certificate'}`);
  }
  for (const s of skipped) out(`    ${s.label}: not usable: ${s.reason}`);
  if (keys.length === 0 && skipped.length === 0) out('    No keys.');
}

async function describeReader(reader: CcidReader): Promise<void> {
  const d = reader.descriptor;
  out(`Reader: ${reader.name}`);
  out(`  USB ${reader.device.vendorId.toString(16).padStart(4, '0')}:${reader.device.productId.toString(16).padStart(4, '0')}, interface ${reader.info.interfaceNumber}, class 0x${reader.info.interfaceClass.toString(16).padStart(2, '0')}`);
  out(`  Exchange level: ${reader.level}; max message ${d.dwMaxCCIDMessageLength} bytes; max IFSD ${d.dwMaxIFSD}; protocols ${['T=0', 'T=1'].filter((_, i) => d.dwProtocols & (1 << i)).join(', ') || 'none announced'}; slots ${reader.slotCount}`);
  if (reader.unsupported) {
    out(`  Not usable: ${reader.unsupported}`);
    return;
  }
  for (let slot = 0; slot < reader.slotCount; slot++) {
    try {
      const status = await reader.slotStatus(slot);
      if (status === 'absent') {
        out(`  Slot ${slot}: no card`);
        continue;
      }
      const card = await reader.connect(slot);
      out(`  Slot ${slot}: card present, ATR ${Array.from(card.atr.bytes, hex).join(' ')}, protocol T=${card.protocol}`);
      await describeApplication(card, reader.level === 'extended-apdu');
      await card.disconnect();
    } catch (err) {
      if (!(err instanceof CcidError)) throw err;
      out(`  Slot ${slot}: ${err.message} (${err.code})`);
    }
  }
}

async function listSim(profileId: string, openpgp: boolean): Promise<number> {
  let profile;
  try {
    profile = loadProfile(profileId);
  } catch (err) {
    throw new UsageError(`no reader profile '${profileId}' in ${defaultProfilesDir()}: ${(err as Error).message}`);
  }
  const device = new VirtualReader(profile);
  if (openpgp) {
    device.insertCard((await provisionDemoOpenPgpCard()).card);
  } else {
    profile.interfaces.forEach((iface, index) => {
      const t1 = (iface.descriptor.dwProtocols & 3) === 0 || (iface.descriptor.dwProtocols & 2) !== 0;
      device.insertCard(new TestApplet(t1 ? ATRS.yubikey5 : ATRS.dual), 0, index);
    });
  }
  out(`Virtual reader from profile ${profile.id} (${defaultProfilesDir()})`);
  const readers = await Reader.open(device);
  for (const r of readers) await describeReader(r);
  await readers[0]?.close();
  return 0;
}

async function listUsb(): Promise<number> {
  const { devices, problem } = await listUsbReaders();
  if (problem) {
    out(`No readers: ${problem}`);
    return 1;
  }
  if (devices.length === 0) {
    out('No smart-card readers found on USB.');
    return 0;
  }
  let failures = 0;
  for (const device of devices as UsbDeviceLike[]) {
    try {
      const readers = await Reader.open(device);
      for (const r of readers) await describeReader(r);
      await readers[0]?.close();
    } catch (err) {
      if (!(err instanceof CcidError)) throw err;
      const name = device.productName ?? `USB ${device.vendorId.toString(16)}:${device.productId.toString(16)}`;
      const hint = err instanceof ReaderBusyError && pcscdSocketPresent() ? ' pcscd is running on this machine and holds the reader.' : '';
      out(`Reader: ${name}\n  Not usable: ${err.message}${hint}`);
      failures++;
      await device.close().catch(() => undefined);
    }
  }
  return failures > 0 ? 1 : 0;
}

export const command: Command = {
  async run(args) {
    const [sub, ...rest] = args;
    const usage = 'usage: tessera card list [--sim PROFILE | --sim-openpgp PROFILE]\n\n  --sim PROFILE          a virtual reader made from a real reader\'s descriptor dump (CCID_READERS_DIR, default ../shared/data/ccid-readers), with a simulated card\n  --sim-openpgp PROFILE  the same reader with the demo OpenPGP card of tessera ssh --card sim-openpgp:PROFILE';
    if (sub === '--help' || sub === '-h' || rest[0] === '--help') throw new HelpRequested(usage);
    if (sub !== 'list') throw new UsageError(usage);
    if (rest[0] === '--sim' || rest[0] === '--sim-openpgp') {
      const id = rest[1];
      if (!id) throw new UsageError(`${rest[0]} needs a profile name, e.g. ${rest[0]} ACS_ACR1251_Dual_Reader`);
      return listSim(id, rest[0] === '--sim-openpgp');
    }
    if (rest.length > 0) throw new UsageError(`unknown option '${rest[0]}'`);
    return listUsb();
  },
};
