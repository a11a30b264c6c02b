import { describe, expect, it } from 'vitest';
import { isCloseloopError } from '../../../src/errors/index.ts';
import { headerValue, pathSegment } from '../../../src/sdk/index.ts';

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

describe('pathSegment: an id as one segment of a URL path', () => {
  it('percent-encodes what a path would read otherwise', () => {
    expect(pathSegment('SR 1/2#3?x')).toBe('SR%201%2F2%233%3Fx');
    expect(pathSegment('...')).toBe('...');
  });

  // URL parsing takes "." and ".." (encoded too) as "this" and "the parent" segment: a call for
  // ticket ".." would reach another resource of the system.
  it.each(['.', '..'])('refuses %j as a data error, before any call', (id) => {
    let thrown: unknown = null;
    try {
      pathSegment(id);
    } catch (err) {
      thrown = err;
    }
    expect(isCloseloopError(thrown, 'CL_RECORD_INVALID')).toBe(true);
    // What a plain encoding would call instead: another resource than the ticket's status.
    const called = new URL(`http://crm/api/v1/tickets/${encodeURIComponent(id)}/status`).pathname;
    expect(called).not.toMatch(/\/tickets\/[^/]+\/status$/);
  });
});
