import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { outageReason, PauseSet } from '../../src/runtime/index.ts';

describe('outageReason', () => {
  it('makes refused credentials and spent retries outages, and anything else a data error', () => {
    expect(outageReason(new CloseloopError('CL_CONNECTOR_UNAUTHORIZED', 'HTTP 401'))).toBe('credentials');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_RETRIABLE', 'HTTP 503'))).toBe('unavailable');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_MALFORMED', 'truncated'))).toBe('unavailable');
    expect(outageReason(new CloseloopError('CL_CONNECTOR_REJECTED', 'HTTP 404'))).toBeNull();
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
});
