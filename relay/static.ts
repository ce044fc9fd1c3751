// Serves the built page (a directory) with security headers. Only GET and HEAD; only files
// inside the directory (no traversal, no symlinks out, no dotfiles); index.html for `/`.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/** The default Content-Security-Policy: same-origin everything, WebAssembly for libsodium, no framing. */
export const DEFAULT_CSP = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
  "frame-ancestors 'none'", "form-action 'none'",
].join('; ');

/** Headers on every HTTP response of the relay. HSTS only when the relay itself serves TLS. */
export function securityHeaders(options: { csp: string; tls: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': options.csp,
    // Cross-origin isolation (COOP + COEP); the page needs nothing cross-origin.
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // WebUSB for the card reader, on this origin only.
    'Permissions-Policy': 'usb=(self)',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
  if (options.tls) headers['Strict-Transport-Security'] = 'max-age=63072000; includeSubDomains';
  return headers;
}

/** Serves one request from `root`; resolves false when no file matched (the caller sends 404). */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://relay.invalid').pathname);
  } catch {
    return false;
  }
  if (pathname.includes('\0') || pathname.split('/').some((s) => s.startsWith('.'))) return false;
  if (pathname.endsWith('/')) pathname += 'index.html';
  let base: string;
  let file: string;
  try {
    base = await realpath(root);
    file = await realpath(join(base, pathname));
  } catch {
    return false;
  }
  if (!file.startsWith(base + sep)) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') { res.end(); return true; }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.once('error', () => { res.destroy(); resolve(); });
    res.once('close', () => { stream.destroy(); resolve(); });
    stream.pipe(res);
  });
  return true;
}
