import { describe, expect, it } from 'vitest';
import { closeReason, MAX_CLOSE_REASON_BYTES, quoteClientText } from './close-reason.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('closeReason (RFC 6455 §5.5.1: at most 123 bytes)', () => {
  it('keeps a short reason as it is', () => {
    expect(closeReason('The relay is shutting down; reconnect.')).toBe('The relay is shutting down; reconnect.');
  });

  it('cuts on a character boundary: 2-, 3- and 4-byte characters are never split', () => {
    for (const ch of ['é', '€', '😀']) {
      for (let pad = 0; pad < 4; pad++) {
        const out = closeReason('x'.repeat(pad) + ch.repeat(100));
        expect(bytes(out)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        expect(bytes(out)).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - bytes(ch));
        expect(out.replace(/^x*/, '')).toBe(ch.repeat([...out.replace(/^x*/, '')].length)); // whole characters only
      }
    }
  });

  it('exactly 123 bytes stays whole; 124 loses its last character', () => {
    expect(closeReason('a'.repeat(123))).toHaveLength(123);
    expect(closeReason(`${'a'.repeat(122)}é`)).toBe('a'.repeat(122));
  });
});

describe('quoteClientText', () => {
  it('quotes printable ASCII and escapes everything else, so the result is ASCII', () => {
    expect(quoteClientText('ssh.example.com', 40)).toBe("'ssh.example.com'");
    expect(quoteClientText("a'b\\c\n\x00é€😀", 60)).toBe("'a\\x27b\\x5cc\\x0a\\x00\\xe9\\u20ac\\u{1f600}'");
  });

  it('bounds its output to maxChars (plus quotes and an ellipsis), whatever the input', () => {
    for (const input of ['€'.repeat(1000), 'a'.repeat(1000), '😀'.repeat(1000)]) {
      const out = quoteClientText(input, 40);
      expect(out).toMatch(/^'[\x20-\x7e]*\.\.\.'$/);
      expect(out.length).toBeLessThanOrEqual(40 + 5);
    }
  });
});
