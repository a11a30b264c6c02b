import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../../src/sdk/index.ts';

/** What an HTTP client throws: an Error with the response's status, or a network code. */
function httpError(status: number | undefined, code?: string): Error {
  return Object.assign(new Error(status ? `Request failed with status code ${status}` : 'socket'), {
    ...(status ? { response: { status } } : {}),
    ...(code ? { code } : {}),
  });
}

describe('classifyHttpError', () => {
  it.each([
    [500, 'CL_CONNECTOR_RETRIABLE', true],
    [503, 'CL_CONNECTOR_RETRIABLE', true],
    [408, 'CL_CONNECTOR_RETRIABLE', true],
    [429, 'CL_CONNECTOR_RETRIABLE', true],
    [401, 'CL_CONNECTOR_UNAUTHORIZED', false],
    [403, 'CL_CONNECTOR_UNAUTHORIZED', false],
    [404, 'CL_CONNECTOR_REJECTED', false],
    [409, 'CL_CONNECTOR_REJECTED', false],
    [422, 'CL_CONNECTOR_REJECTED', false],
  ])('HTTP %i is %s', (status, code, retriable) => {
    const err = classifyHttpError(httpError(status), 'PUT status');
    expect(err).toMatchObject({ code, retriable, stage: 'deliver', details: { httpStatus: status } });
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('treats dropped connections as retriable and unknown local codes as data errors', () => {
    expect(classifyHttpError(httpError(undefined, 'ECONNREFUSED'), 'x').code).toBe('CL_CONNECTOR_RETRIABLE');
    expect(classifyHttpError(httpError(undefined, 'ERR_INVALID_URL'), 'x').code).toBe('CL_CONNECTOR_REJECTED');
  });
});
