import { describe, expect, it } from 'vitest';
import { headerValue } from '../../../src/sdk/index.ts';

describe('headerValue: a record text any HTTP client can send as a header', () => {
  it('keeps printable ASCII as it is', () => {
    for (const text of ['trace-42', '7f9c2ba4-e88f-4f1a-9e3b-1b2c3d4e5f60', 'a b', '', 'x=1;y="2"'])
      expect(headerValue(text)).toBe(text);
  });

  it('percent-encodes a control character, a character past ASCII or a blank at either end', () => {
    expect(headerValue('abc\ndef')).toBe('abc%0Adef');
    expect(headerValue('trace-✓-42')).toBe('trace-%E2%9C%93-42');
    expect(headerValue('café')).toBe('caf%C3%A9');
    expect(headerValue(' padded ')).toBe('%20padded%20');
    expect(headerValue('tab\there')).toBe('tab%09here');
    expect(decodeURIComponent(headerValue('trace-✓-42'))).toBe('trace-✓-42');
  });
});
