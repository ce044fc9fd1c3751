/// <reference types="vite/client" />
// Registers the service worker (offline app shell) in production builds, when the page is served
// over http(s). The Isolated Web App does not need it: its bundle is the app shell.
export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (err) {
    // Offline use is a convenience; the page works without it.
    console.warn('Tessera: the offline app shell is unavailable:', err);
  }
}
