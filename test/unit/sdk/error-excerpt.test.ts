import { describe, expect, it } from 'vitest';
import { EXCERPT_CHARS, reasonExcerpt } from '../../../src/sdk/error-excerpt.ts';

describe("the excerpt of a system's refusal", () => {
  it('takes the reason fields of a JSON body, in the order they read best', () => {
    const crm = JSON.stringify({
      error: 'VALIDATION',
      message: 'lifecycleState "IN_PROGRESS" is not a known lifecycle state for service POTHOLE',
    });
    expect(reasonExcerpt(crm)).toBe(
      'VALIDATION: lifecycleState "IN_PROGRESS" is not a known lifecycle state for service POTHOLE',
    );
    // Maximo nests its reason under Error.
    const maximo = JSON.stringify({
      Error: {
        message: 'BMXAA4195E - A value is required for the Site field',
        reasonCode: 'BMXAA4195E',
        statusCode: '400',
      },
    });
    expect(reasonExcerpt(maximo)).toBe('BMXAA4195E - A value is required for the Site field: BMXAA4195E');
    expect(reasonExcerpt(JSON.stringify({ title: 'Unprocessable', detail: 'priority out of range' }))).toBe(
      'Unprocessable: priority out of range',
    );
  });

  it('gives nothing of a JSON body without a reason field, which may be the request echoed back', () => {
    expect(reasonExcerpt(JSON.stringify({ received: { note: 'Call me on 780-496-1234' }, ok: false }))).toBeUndefined();
    expect(reasonExcerpt('[1,2]')).toBeUndefined();
    expect(reasonExcerpt('  \n')).toBeUndefined();
  });

  it("reads an HTML page's visible text and any other body as text", () => {
    const page =
      '<!DOCTYPE html><html><head><title>503</title><style>h1{color:red}</style><script>track()</script></head>' +
      '<body><h1>Service temporarily unavailable</h1><p>Try again &amp; again</p></body></html>';
    expect(reasonExcerpt(page)).toBe('503 Service temporarily unavailable Try again & again');
    expect(reasonExcerpt('version 3 skips ahead of 1\r\n')).toBe('version 3 skips ahead of 1');
  });

  it('scrubs contact data, credentials and control characters, and keeps to its length', () => {
    const said = reasonExcerpt(
      JSON.stringify({
        message:
          'jane.doe@example.org (780-496-1234) is not allowed\u0000\u001b[31m; got Bearer abc.def-123 and apikey=k3y',
      }),
      ['s3cret-token-value'],
    );
    expect(said).not.toMatch(/jane|780-496|abc\.def|k3y/);
    expect(said).not.toContain('\u0000');
    expect(said).not.toContain('\u001b');
    expect(said).toContain('is not allowed');
    expect(reasonExcerpt('token s3cret-token-value refused', ['s3cret-token-value'])).toBe('token [redacted] refused');
    const long = reasonExcerpt(JSON.stringify({ message: 'x '.repeat(5_000) }));
    expect(long?.length).toBe(EXCERPT_CHARS);
    expect(long?.endsWith('…')).toBe(true);
  });
});
