import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('replaces access_token however its name is percent-encoded, as URLSearchParams (auth.ts) decodes it', () => {
    for (const name of ['access_token', 'access%5Ftoken', 'access%5ftoken', 'acc%65ss_token', '%61ccess_token']) {
      const url = `/ssh?host=h&port=22&${name}=S3CRET&x=1`;
      expect(new URLSearchParams(url.split('?')[1]).get('access_token')).toBe('S3CRET'); // auth would accept it
      expect(redactUrl(url)).toBe(`/ssh?host=h&port=22&${name}=[redacted]&x=1`);
    }
  });

  it('redacts every occurrence, an empty or valueless one, and one after a #', () => {
    expect(redactUrl('/ssh?access_token=a&access_token=b')).toBe('/ssh?access_token=[redacted]&access_token=[redacted]');
    expect(redactUrl('/ssh?access_token')).toBe('/ssh?access_token=[redacted]');
    expect(redactUrl('/ssh?host=h#access_token=x')).toBe('/ssh?host=h#access_token=[redacted]');
  });

  it('leaves other parameters and URLs without a query as they are, cut to 200 characters', () => {
    expect(redactUrl('/ssh?host=h&my_access_token=1&token=2')).toBe('/ssh?host=h&my_access_token=1&token=2');
    expect(redactUrl('/ssh/host/22')).toBe('/ssh/host/22');
    expect(redactUrl(`/ssh?host=${'a'.repeat(300)}`)).toHaveLength(200);
  });
});
