import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { outageDetail, outageReason, PauseSet } from '../../src/runtime/index.ts';

describe('outageReason', () => {
  it('makes refused credentials and spent retries outages, and anything else a data error', () => {
    expect(outageReason(new CloseloopError('CL_CONNECTOR_UNAUTHORIZED', 'HTTP 401'))).toBe('credentials');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_RETRIABLE', 'HTTP 503'))).toBe('unavailable');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_MALFORMED', 'truncated'))).toBe('unavailable');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_REJECTED', 'HTTP 404'))).toBeNull();
    expect(outageReason(new CloseloopError('CL_CONNECTOR_MISDIRECTED', 'HTTP 302'))).toBe('endpoint');
    expect(outageReason(new Error('a bug'))).toBeNull();
  });
});

describe('PauseSet', () => {
  it('is paused while any reason holds, showing an alarm before an operator pause', () => {
    const p = new PauseSet();
    expect(p.reason).toBeNull();
    p.enter('operator');
    expect(p.reason).toBe('operator');
    p.enter('dead-letter');
    p.enter('dead-letter');
    p.enter('credentials');
    expect(p.reason).toBe('credentials');
    expect(p.reasons()).toEqual(['operator', 'credentials', 'dead-letter']);
    p.leave('credentials');
    p.leave('dead-letter');
    expect(p.reason).toBe('dead-letter');
    p.leave('dead-letter');
    expect(p.reason).toBe('operator');
    p.leave('operator');
    expect(p.reasons()).toEqual([]);
  });

  it('keeps the detail of a reason while the reason holds', () => {
    const p = new PauseSet();
    p.enter('endpoint', 'HTTP 302 redirecting to https://sso.city.gov');
    p.enter('endpoint');
    expect(p.detail(p.reason)).toBe('HTTP 302 redirecting to https://sso.city.gov');
    p.leave('endpoint');
    expect(p.detail('endpoint')).toBe('HTTP 302 redirecting to https://sso.city.gov');
    p.leave('endpoint');
    expect(p.detail('endpoint')).toBeNull();
    expect(outageDetail(new CloseloopError('CL_CONNECTOR_MISDIRECTED', 'x', { details: { httpStatus: 404 } }))).toBe(
      'HTTP 404 to a call about the API',
    );
  });

  it('says what it knows of every outage: the status, the network code, a malformed answer by its headers', () => {
    const failed = (code: 'CL_CONNECTOR_RETRIABLE' | 'CL_CONNECTOR_MALFORMED', details: Record<string, unknown>) =>
      outageDetail(new CloseloopError(code, 'echoes jane@example.org', { details }));
    expect(failed('CL_CONNECTOR_RETRIABLE', { httpStatus: 502 })).toBe('HTTP 502');
    expect(failed('CL_CONNECTOR_RETRIABLE', { errorCode: 'ENOTFOUND' })).toBe('no HTTP answer: ENOTFOUND');
    expect(failed('CL_CONNECTOR_MALFORMED', { malformed: 'not JSON (text/html)' })).toBe(
      'malformed response: not JSON (text/html)',
    );
    expect(failed('CL_CONNECTOR_MALFORMED', {})).toBeNull();
  });
});
