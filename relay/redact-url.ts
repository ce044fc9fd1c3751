// Request URLs for the logs, with credentials taken out. auth.ts reads `access_token` through
// URLSearchParams, which decodes the name (`access%5Ftoken`, `acc%65ss_token` are the same
// parameter), so the redaction decodes each name the same way rather than matching text.
const SECRET_PARAMS = new Set(['access_token']);
const MAX_LOGGED = 200;

/** `url` (path and query) with the value of every credential parameter replaced, cut to 200 characters. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url.slice(0, MAX_LOGGED);
  // Split on & (URLSearchParams' separator) and on # (which ends the query), keeping the separators.
  const parts = url.slice(q + 1).split(/([&#])/);
  const out = parts.map((part, i) => {
    if (i % 2 === 1 || part === '') return part;
    const name = new URLSearchParams(part).keys().next().value;
    if (name === undefined || !SECRET_PARAMS.has(name)) return part;
    const eq = part.indexOf('=');
    return `${eq < 0 ? part : part.slice(0, eq)}=[redacted]`;
  });
  return `${url.slice(0, q + 1)}${out.join('')}`.slice(0, MAX_LOGGED);
}
