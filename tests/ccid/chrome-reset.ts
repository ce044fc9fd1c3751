// USBDevice.reset() as Chrome on Linux does it, for the tests' reader doubles. The kernel's USBDEVFS_RESET drops
// usbfs's claim of the interface, but Blink still marks it claimed and Chromium resolves claimInterface() on a claimed
// interface at once, without asking the OS (whatwg/usb#162); the device stays open. So a driver that only calls
// claimInterface() after a reset goes on without a claim. This double refuses every transfer on the interface (class
// requests, bulk) until it is released and claimed again, as the reviewer asked, so a test can tell.
import type { VirtualReader } from '../../sim/index.ts';

export interface ChromeReset {
  resets: number;
  /** The OS holds a claim of the interface (transfers work). */
  claimed: boolean;
  /** Blink marks the interface claimed (claimInterface then resolves without asking the OS). */
  marked: boolean;
  /** While set, a real claim (after a release) fails, as when another process took the device. */
  claimFails: boolean;
  /** While set, reset() rejects (Chrome: "Unable to reset the device."). */
  resetFails: boolean;
}

/**
 * Models Chrome's claim bookkeeping and reset on `device` (single-interface profiles). `onReset` cancels the double's
 * own held transfers; the simulator's pending IN transfers are failed by closing and opening it inside reset(), which
 * the driver never sees (reset() resolves with the device open, configured and its interface still marked claimed).
 */
export function chromeReset(device: VirtualReader, onReset: () => void): ChromeReset {
  const state: ChromeReset = { resets: 0, claimed: false, marked: false, claimFails: false, resetFails: false };
  const iface = device.profile.interfaces[0]!.interfaceNumber;
  const claim = device.claimInterface.bind(device);
  const release = device.releaseInterface.bind(device);
  device.claimInterface = async (n) => {
    if (n === iface && state.marked) return;
    if (state.claimFails) throw new Error('NetworkError: Unable to claim interface.');
    await claim(n);
    if (n === iface) state.claimed = state.marked = true;
  };
  device.releaseInterface = async (n) => {
    if (n !== iface) return release(n);
    state.marked = false;
    // The OS no longer holds the claim after a reset: releasing what it does not hold fails, Blink's mark is cleared.
    if (!state.claimed) throw new Error('NetworkError: Unable to release interface.');
    state.claimed = false;
    await release(n);
  };
  const refuse = (): Promise<never> => Promise.reject(new Error(`NetworkError: interface ${iface} is not claimed.`));
  const transferIn = device.transferIn.bind(device);
  const transferOut = device.transferOut.bind(device);
  const controlIn = device.controlTransferIn.bind(device);
  const controlOut = device.controlTransferOut.bind(device);
  device.transferIn = (endpoint, length) => (state.claimed ? transferIn(endpoint, length) : refuse());
  device.transferOut = (endpoint, data) => (state.claimed ? transferOut(endpoint, data) : refuse());
  device.controlTransferIn = (setup, length) => (setup.requestType !== 'class' || state.claimed ? controlIn(setup, length) : refuse());
  device.controlTransferOut = (setup, data) => (setup.requestType !== 'class' || state.claimed ? controlOut(setup, data) : refuse());
  (device as VirtualReader & { reset(): Promise<void> }).reset = async () => {
    if (state.resetFails) throw new Error('NetworkError: Unable to reset the device.');
    state.resets++;
    state.claimed = false;
    onReset();
    await device.close();
    await device.open();
    await device.selectConfiguration(1);
  };
  return state;
}
