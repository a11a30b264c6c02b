import { describe, expect, it } from 'vitest';
import { CloseloopError, withRetry } from '../../../src/errors/index.ts';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../src/sdk/index.ts';

const NOW = Date.parse('2026-12-01T15:00:00Z');

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds and the three HTTP-date forms, from when the answer came', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0007 ', NOW)).toBe(7_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 15:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tuesday, 01-Dec-26 15:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Tue Dec  1 15:00:05 2026', NOW)).toBe(5_000);
    expect(parseRetryAfter(['5', '9'], NOW)).toBe(5_000);
  });

  it('caps a wait at an hour and ignores what cannot be one', () => {
    expect(parseRetryAfter('86400', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Wed, 01 Dec 2027 15:00:00 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
    for (const garbage of [undefined, '', '-5', '1.5', 'soon', '0', 'Tue, 01 Dec 2026 14:00:00 GMT', 'Mon, 99 Foo'])
      expect(parseRetryAfter(garbage, NOW)).toBeUndefined();
  });
});

describe('withRetry and Retry-After', () => {
  const busy = (retryAfterMs: number) =>
    new CloseloopError('CL_CONNECTOR_RETRIABLE', 'HTTP 429', { details: { httpStatus: 429, retryAfterMs } });

  it('waits at least what the system asked before trying again', async () => {
    let calls = 0;
    const started = Date.now();
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw busy(300);
        return 'ok';
      },
      { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 1_000 },
    );
    expect(result).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives up at once on a wait longer than its longest backoff, for the runner to pause and show', async () => {
    let calls = 0;
    const started = Date.now();
    const err = await withRetry(
      async () => {
        calls += 1;
        throw busy(60_000);
      },
      { retries: 5, minTimeoutMs: 1, maxTimeoutMs: 1_000 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_RETRIABLE', details: { retryAfterMs: 60_000 } });
  });

  it('tries no more once its signal is aborted, and does not wait out the backoff', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const started = Date.now();
    const tried = withRetry(
      async () => {
        calls += 1;
        if (calls === 1) setTimeout(() => stopping.abort(new Error('stopping')), 20);
        throw new CloseloopError('CL_CONNECTOR_RETRIABLE', 'HTTP 503');
      },
      { retries: 5, minTimeoutMs: 5_000, maxTimeoutMs: 5_000 },
      { signal: stopping.signal },
    );
    await expect(tried).rejects.toThrow('stopping');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
