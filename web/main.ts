// Entry point: loads the site configuration, then starts the app. The SSH layer (and with it
// libsodium's WebAssembly) is loaded only when the first connection starts.
import '@xterm/xterm/css/xterm.css';
import { App } from './app.ts';
import { loadSiteConfig } from './config/site-config.ts';
import { errorMessage } from './errors.ts';
import { navigatorUsb } from './smartcard/webusb-types.ts';
import { registerServiceWorker } from './pwa/register-sw.ts';
import type { SshDialer } from './session/terminal-session.ts';
import type { CardStack } from './smartcard/card-stack.ts';

declare global {
  interface Window {
    /** Read-only hooks for the end-to-end tests and for support: terminal text and the status. */
    tessera?: { app: App; terminalText(): string; status(): string; renderer(): string };
  }
}

async function boot(): Promise<void> {
  const config = await loadSiteConfig(fetch.bind(window), location);
  // SSH runs in a worker, so decryption and the socket never compete with xterm.js for the main thread
  // (?ssh=page keeps it in the page: for comparison and support).
  const inPage = typeof Worker !== 'function' || new URLSearchParams(location.search).get('ssh') === 'page';
  const pageDialer = async (): Promise<SshDialer> => (await import('./session/ssh-dialer.ts')).dialSsh;
  const loadDialer = async (): Promise<SshDialer> => (inPage ? pageDialer() : (await import('./session/worker-dialer.ts')).workerDialer(pageDialer));
  // The card stack (ccid/, card/, pki/) is loaded when a reader is first opened.
  const cardStack: CardStack = {
    openReader: async (device) => (await import('./smartcard/card-wiring.ts')).createCardStack(config).openReader(device),
  };
  // The demo's reader is virtual (cli/demo): its WebUSB stand-in talks to it through the relay.
  const demoPort = config.demo?.virtualReaderPort;
  const usb = demoPort ? await (await import('./demo/demo-usb.ts')).installDemoUsb(config.relayUrl, demoPort) : navigatorUsb();
  const app = new App({ config, loadDialer, usb, cardStack });
  window.tessera = {
    app,
    terminalText: () => app.terminal.bufferLines().join('\n'),
    status: () => app.statusLine.current?.text ?? '',
    renderer: () => app.terminal.renderer,
  };
  await app.start();
  document.body.dataset['ready'] = 'true';
  performance.mark('tessera-ready');
  void registerServiceWorker();
}

boot().catch((err: unknown) => {
  const status = document.getElementById('status-text');
  if (status) status.textContent = errorMessage(err);
  document.getElementById('status')?.setAttribute('data-phase', 'error');
  document.body.dataset['ready'] = 'error';
});
