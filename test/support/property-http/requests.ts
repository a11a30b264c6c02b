/**
 * Generated requests: every route the servers have and paths near them, odd methods, escapes
 * broken and not, dot segments, runs of slashes, long paths, unicode as escapes and as raw bytes,
 * query strings with every Open311 parameter (repeated, empty, huge, badly escaped), and headers
 * and bodies a client might send. Each request says whether it is well-formed HTTP with a Host, so
 * that the checks know when the server must have read its URL (and answer in its format).
 */
import fc from 'fast-check';
import type { RawRequest } from './client.ts';
import { bytes, NOT_IN_HEADER, pathArb, unicode, word } from './paths.ts';
import { suffix } from './queries.ts';

export interface Fuzzed extends RawRequest {
  /** An HTTP/1.1 request Node parses, with a Host: the server reads its URL. */
  readonly wellFormed: boolean;
}

const headerArb: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['accept', 'application/xml'],
    ['accept', 'text/html,*/*;q=0.8'],
    ['accept', '*/*'],
    ['origin', 'https://fixmystreet.example'],
    ['origin', 'null'],
    ['if-none-match', '"abc"'],
    ['if-none-match', '*'],
    ['if-modified-since', 'Mon, 05 Oct 2026 14:03:00 GMT'],
    ['range', 'bytes=0-10'],
    ['range', 'bytes=999999-'],
    ['content-type', 'application/json'],
    ['content-type', 'text/xml; charset=latin1'],
    ['accept-encoding', 'gzip, br'],
    ['access-control-request-method', 'GET'],
    ['access-control-request-headers', 'x-requested-with, content-type'],
    ['access-control-request-headers', 'bad header, @'],
    ['x-forwarded-for', '203.0.113.7, ::1'],
    ['expect', '100-continue'],
  ),
  unicode.map((u): [string, string] => ['x-note', bytes(u).replace(NOT_IN_HEADER, '?')]),
  fc
    .nat(4)
    .chain((k) =>
      k === 0
        ? fc.integer({ min: 1_000, max: 20_000 }).map((n): [string, string] => ['x-huge', 'h'.repeat(n)])
        : fc.constant<[string, string]>(['accept', 'application/json']),
    ),
);

/** Methods Node's parser knows and the API refuses, and tokens it does not know. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'PURGE', 'TRACE'];
// Node's client sends a method in capitals, so none is in lower case.
const ODD_METHODS = ['FOO', 'GET2', 'G-ET', 'BREW'];

const hostArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant<[string, string] | null>(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<[string, string] | null>(
      ['host', 'evil.example'],
      ['host', '[::1]:8311'],
      ['host', 'a b<c>'],
      ['host', ''],
    ),
  },
);

export const fuzzedRequest: fc.Arbitrary<Fuzzed> = fc
  .record({
    method: fc.oneof(
      { weight: 10, arbitrary: fc.constant('GET') },
      { weight: 4, arbitrary: fc.constant('HEAD') },
      { weight: 2, arbitrary: fc.constant('OPTIONS') },
      { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
      { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
    ),
    path: pathArb,
    suffix,
    headers: fc.array(headerArb, { maxLength: 3 }),
    host: hostArb,
    // One in ten sends no Host at all, as an HTTP/1.1 client must not.
    hasHost: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
    body: fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.oneof(fc.constant('{"a":1}'), fc.constant('<x/>'), word) },
    ),
    chunked: fc.boolean(),
  })
  .map(({ method, path: [path, pathOk], suffix: q, headers, host, hasHost, body, chunked }): Fuzzed => {
    const target = `${path}${q}`;
    // Node's limit (16 KiB) is on the request line and headers together.
    const size = headers.reduce((n, [k, v]) => n + k.length + v.length + 4, target.length);
    return {
      method,
      path: target,
      headers: host && hasHost ? [...headers, host] : headers,
      host: hasHost,
      body,
      chunked,
      wellFormed: pathOk && !ODD_METHODS.includes(method) && size < 15_000,
    };
  });
