/**
 * Claiming an interface again after USBDevice.reset(). Linux's USBDEVFS_RESET drops usbfs's claim of the interface
 * (usbfs has no pre_reset/post_reset), but Blink still marks the interface claimed, and Chromium resolves
 * claimInterface() on a claimed interface at once, without asking the OS (whatwg/usb#162). So the interface is
 * released first, which clears Blink's mark (and fails harmlessly where the OS already dropped the claim), then
 * claimed for real. The driver selects no alternate setting (it uses setting 0), so there is none to select again.
 */
import { CcidTimeoutError } from './errors.ts';
import { boundTransfer, started } from './transfer-timeout.ts';
import type { UsbDeviceLike } from './usb-device.ts';

/** Releases, then claims `interfaceNumber` again; rejects if the claim fails or takes longer than `ms`. */
export async function reclaimAfterReset(device: UsbDeviceLike, interfaceNumber: number, ms: number): Promise<void> {
  await boundTransfer(started(() => device.releaseInterface(interfaceNumber)), ms, 'The reader did not release its interface.')
    .catch((err: unknown) => {
      if (err instanceof CcidTimeoutError) throw err;
    });
  await boundTransfer(started(() => device.claimInterface(interfaceNumber)), ms, 'The reader\'s interface could not be claimed again.');
}
