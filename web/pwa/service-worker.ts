// The offline app shell (PWA): precaches the built page listed in /precache-manifest.json at
// install; serves navigations network-first (falling back to the cached shell when offline) and
// hashed assets cache-first. WebSocket traffic never passes through a service worker.
// The project compiles with the DOM library; the few service-worker types used are declared here
// (adding lib "webworker" to the same program would clash with DOM's globals).
interface ExtendableEvent extends Event { waitUntil(promise: Promise<unknown>): void }
interface FetchEvent extends ExtendableEvent { readonly request: Request; respondWith(response: Promise<Response> | Response): void }
interface ServiceWorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
declare const self: ServiceWorkerScope;
export {};

// Replaced at build time by vite.config.ts with the build id.
const CACHE = 'tessera-shell-__TESSERA_BUILD__';

async function precache(): Promise<void> {
  const response = await fetch('/precache-manifest.json', { cache: 'no-store' });
  const { files } = (await response.json()) as { files: string[] };
  const cache = await caches.open(CACHE);
  await cache.addAll(files);
  // The site policy too (offline, the page keeps the last policy it saw). A 404 is kept as well: it means
  // "no policy, use the defaults", whereas no answer at all makes the page stop (loadSiteConfig).
  try {
    const policy = await fetch('/config.json', { cache: 'no-store' });
    if (keepPolicy(policy)) await cache.put('/config.json', policy);
  } catch { /* offline at install: the first online load stores it */ }
}

function keepPolicy(response: Response): boolean {
  return response.ok || response.status === 404;
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

async function networkFirst(request: Request, fallback: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only the page itself becomes the offline shell: any site can navigate the browser to another
    // same-origin URL (/healthz, /config.json), and that answer must not replace the shell.
    const shell = fallback === '/' ? new URL(request.url).pathname === '/' : true;
    if (shell && (response.ok || (fallback === '/config.json' && keepPolicy(response)))) await cache.put(fallback === '/' ? '/' : request, response.clone());
    return response;
  } catch {
    return (await cache.match(fallback)) ?? (await cache.match(request)) ?? Response.error();
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  // Hashed assets never change; lazily loaded ones (libsodium) are kept for offline use.
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') event.respondWith(networkFirst(request, '/'));
  else if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request));
  else if (url.pathname === '/config.json') event.respondWith(networkFirst(request, '/config.json'));
  else event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
});
