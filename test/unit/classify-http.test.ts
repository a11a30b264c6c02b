import { describe, expect, it } from 'vitest';
import { outageDetail, outageReason } from '../../src/runtime/index.ts';
import { classifyHttpError, HttpCallError } from '../../src/sdk/index.ts';

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
    // Locked: someone else holds the item, and a lock clears.
    [423, 'CL_CONNECTOR_RETRIABLE', true],
    // Too Early: a request the server will take once its TLS early-data handshake is done.
    [425, 'CL_CONNECTOR_RETRIABLE', true],
    [401, 'CL_CONNECTOR_UNAUTHORIZED', false],
    [403, 'CL_CONNECTOR_UNAUTHORIZED', false],
    // A proxy in front of the system refused the bridge's credentials: no record's fault.
    [407, 'CL_CONNECTOR_UNAUTHORIZED', false],
    [404, 'CL_CONNECTOR_REJECTED', false],
    [409, 'CL_CONNECTOR_REJECTED', false],
    [422, 'CL_CONNECTOR_REJECTED', false],
  ])('HTTP %i is %s', (status, code, retriable) => {
    const err = classifyHttpError(httpError(status), 'PUT status');
    expect(err).toMatchObject({ code, retriable, stage: 'deliver', details: { httpStatus: status } });
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('keeps the Retry-After of a 409, which a connector may tell to be a lock, and of no other data error', () => {
    const asked = (status: number) => new HttpCallError('no', { status, retryAfterMs: 30_000 });
    expect(classifyHttpError(asked(409), 'x')).toMatchObject({
      code: 'CL_CONNECTOR_REJECTED',
      details: { httpStatus: 409, retryAfterMs: 30_000 },
    });
    expect(classifyHttpError(asked(423), 'x')).toMatchObject({
      code: 'CL_CONNECTOR_RETRIABLE',
      details: { httpStatus: 423, retryAfterMs: 30_000 },
    });
    expect(classifyHttpError(asked(422), 'x').details).not.toHaveProperty('retryAfterMs');
  });

  it.each([301, 302, 307, 308])('HTTP %i is a misdirected API, naming only where it points', (status) => {
    const moved = new HttpCallError('moved', { status, redirectedTo: 'https://sso.city.gov' });
    const err = classifyHttpError(moved, 'PUT status');
    expect(err).toMatchObject({
      code: 'CL_CONNECTOR_MISDIRECTED',
      retriable: false,
      details: { httpStatus: status, redirectedTo: 'https://sso.city.gov' },
    });
    expect(outageReason(err)).toBe('endpoint');
  });

  it('makes a 4xx to a call about the API misdirected, and one about a record a data error', () => {
    const api = (status: number) => new HttpCallError('no', { status, about: 'api' });
    for (const status of [400, 404, 405, 410])
      expect(classifyHttpError(api(status), 'querying')).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED' });
    expect(classifyHttpError(new HttpCallError('no', { status: 404, about: 'record' }), 'x').code).toBe(
      'CL_CONNECTOR_REJECTED',
    );
    // Credentials and outages keep their own classes whatever the call was about.
    expect(classifyHttpError(api(401), 'x').code).toBe('CL_CONNECTOR_UNAUTHORIZED');
    expect(classifyHttpError(api(503), 'x').code).toBe('CL_CONNECTOR_RETRIABLE');
  });

  it('treats dropped connections as retriable and unknown local codes as data errors', () => {
    expect(classifyHttpError(httpError(undefined, 'ECONNREFUSED'), 'x').code).toBe('CL_CONNECTOR_RETRIABLE');
    expect(classifyHttpError(httpError(undefined, 'ERR_INVALID_URL'), 'x').code).toBe('CL_CONNECTOR_REJECTED');
  });

  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])('makes the TLS failure %s a misdirected endpoint naming its code, never a data error', (tlsCode) => {
    const err = classifyHttpError(httpError(undefined, tlsCode), 'PUT status');
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_MISDIRECTED', retriable: false, details: { errorCode: tlsCode } });
    expect(err.message).toContain(`TLS failure ${tlsCode}`);
    expect(outageReason(err)).toBe('endpoint');
    expect(outageDetail(err)).toContain(`TLS failure ${tlsCode}`);
  });

  it('makes every other failure with no HTTP answer an outage, whatever its code', () => {
    // An answer that is no HTTP, a handshake that took too long, a code no list knows yet.
    for (const code of ['HPE_INVALID_CONSTANT', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'UND_ERR_SOMETHING_NEW', 'EPERM'])
      expect(classifyHttpError(httpError(undefined, code), 'x')).toMatchObject({
        code: 'CL_CONNECTOR_RETRIABLE',
        retriable: true,
      });
  });

  // An app server restarting answers every path with its own HTML 404: the web tier, not the system.
  it('makes a 404 or 405 to a record call answered in HTML a misdirected endpoint, and any other a refusal', () => {
    const answered = (status: number, contentType?: string) =>
      classifyHttpError(new HttpCallError('no', { status, ...(contentType ? { contentType } : {}) }), 'x').code;
    expect(answered(404, 'text/html')).toBe('CL_CONNECTOR_MISDIRECTED');
    expect(answered(405, 'text/html; charset=iso-8859-1')).toBe('CL_CONNECTOR_MISDIRECTED');
    expect(answered(404, 'application/xhtml+xml')).toBe('CL_CONNECTOR_MISDIRECTED');
    expect(answered(404, 'application/json; charset=utf-8')).toBe('CL_CONNECTOR_REJECTED');
    expect(answered(404, 'application/problem+json')).toBe('CL_CONNECTOR_REJECTED');
    // Express's res.sendStatus(404) for an unknown item: "Not Found" in text/plain, the API's own.
    expect(answered(404, 'text/plain; charset=utf-8')).toBe('CL_CONNECTOR_REJECTED');
    expect(answered(405, 'text/plain')).toBe('CL_CONNECTOR_REJECTED');
    // No body and no type: the system saying it has no such item, as lookups read it.
    expect(answered(404)).toBe('CL_CONNECTOR_REJECTED');
    // Other refusals are the record's whatever they are written in.
    expect(answered(422, 'text/html')).toBe('CL_CONNECTOR_REJECTED');
  });

  it('tells the operator a web tier answered, by the content type it answered in', () => {
    const err = classifyHttpError(new HttpCallError('no', { status: 404, contentType: 'text/html' }), 'x');
    expect(outageDetail(err)).toBe(
      'HTTP 404 in text/html, from the web tier in front of the system rather than its API',
    );
  });
});
