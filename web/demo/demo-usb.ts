// Demo wiring: the virtual reader's WebUSB stand-in, plus two buttons in the card panel that
// insert and pull out the simulated card (to show removal ending the session).
import { remoteUsb } from './remote-usb.ts';
import type { WebUsb } from '../smartcard/webusb-types.ts';

export async function installDemoUsb(relayUrl: string, port: number): Promise<WebUsb | undefined> {
  let usb;
  try {
    usb = await remoteUsb(relayUrl, port);
  } catch {
    return undefined;
  }
  const buttons = document.querySelector('#card-panel .buttons');
  if (buttons) {
    const pull = document.createElement('button');
    pull.type = 'button';
    pull.textContent = 'Pull card out (demo)';
    pull.addEventListener('click', () => { void usb.removeCard(); });
    const insert = document.createElement('button');
    insert.type = 'button';
    insert.textContent = 'Insert card (demo)';
    insert.addEventListener('click', () => { void usb.insertCard(); });
    buttons.append(pull, insert);
  }
  return usb;
}
