/**
 * `tessera card list [--sim PROFILE]`: lists smart-card readers and their cards. Real USB
 * readers come through node-usb; `--sim` uses a virtual reader built from a libccid dump
 * (see sim/ccid), holding the test card.
 */
import type { CcidReader, UsbDeviceLike } from '../ccid/index.ts';
import { CcidError, CcidReader as Reader, hex, ReaderBusyError } from '../ccid/index.ts';
import { ATRS, defaultProfilesDir, loadProfile, TestApplet, VirtualReader } from '../sim/index.ts';
import type { Command } from './command.ts';
import { HelpRequested, UsageError } from './command.ts';
import { listUsbReaders, pcscdSocketPresent } from './usb-devices.ts';

const out = (line: string): void => void process.stdout.write(line + '\n');

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
      await card.disconnect();
    } catch (err) {
      if (!(err instanceof CcidError)) throw err;
      out(`  Slot ${slot}: ${err.message} (${err.code})`);
    }
  }
}

async function listSim(profileId: string): Promise<number> {
  let profile;
  try {
    profile = loadProfile(profileId);
  } catch (err) {
    throw new UsageError(`no reader profile '${profileId}' in ${defaultProfilesDir()}: ${(err as Error).message}`);
  }
  const device = new VirtualReader(profile);
  profile.interfaces.forEach((iface, index) => {
    const t1 = (iface.descriptor.dwProtocols & 3) === 0 || (iface.descriptor.dwProtocols & 2) !== 0;
    device.insertCard(new TestApplet(t1 ? ATRS.yubikey5 : ATRS.dual), 0, index);
  });
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
    const usage = 'usage: tessera card list [--sim PROFILE]\n\n  --sim PROFILE  a virtual reader made from a real reader\'s descriptor dump (CCID_READERS_DIR, default ../shared/data/ccid-readers), with a simulated card';
    if (sub === '--help' || sub === '-h' || rest[0] === '--help') throw new HelpRequested(usage);
    if (sub !== 'list') throw new UsageError(usage);
    if (rest[0] === '--sim') {
      const id = rest[1];
      if (!id) throw new UsageError('--sim needs a profile name, e.g. --sim ACS_ACR1251_Dual_Reader');
      return listSim(id);
    }
    if (rest.length > 0) throw new UsageError(`unknown option '${rest[0]}'`);
    return listUsb();
  },
};
