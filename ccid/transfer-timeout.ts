/**
 * A bound on one USB transfer. WebUSB transfers have no timeout of their own, so a wedged reader (NAKing
 * forever) would hold a transfer, and everything queued behind it, for good; libccid bounds its writes
 * and control requests the same way (ccid_usb.c, USB_WRITE_TIMEOUT 5 s).
 */
import { CcidTimeoutError } from './errors.ts';

/** libccid's USB_WRITE_TIMEOUT: the longest one OUT or control transfer may take (unless the read timeout is longer). */
export const TRANSFER_TIMEOUT_MS = 5000;

/** Waits for `transfer` at most `ms`; then CcidTimeoutError(`message`). The transfer itself is not cancelled. */
export async function boundTransfer<T>(transfer: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), ms); });
  try {
    const got = await Promise.race([transfer, timedOut]);
    if (got === TIMED_OUT) throw new CcidTimeoutError(message);
    return got as T;
  } finally {
    clearTimeout(timer);
  }
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/** Starts a transfer, turning a synchronous throw into a rejected promise. */
export function started<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (err) {
    return Promise.reject(err);
  }
}
