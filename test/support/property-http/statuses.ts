/**
 * The status a request must get, where the README and docs/status-api.md say: no Host on HTTP/1.1
 * is a 400; OPTIONS, a browser's preflight, a 204 with the CORS leave; any other method but GET and
 * HEAD a 405 with Allow; GET and HEAD only found, refused as the client's mistake, or not found.
 */
import { check } from '../property/check.ts';
import type { RawResponse } from './client.ts';
import type { Fuzzed } from './requests.ts';

const ALLOWED = 'GET, HEAD, OPTIONS';
const HEADER_NAMES = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

export function checkStatus(r: Fuzzed, res: RawResponse): void {
  const ctx = {
    method: r.method,
    path: r.path.slice(0, 200),
    headers: r.headers,
    status: res.status,
    answer: res.headers,
  };
  if (!r.wellFormed) return;
  if (!r.host) return check(res.status === 400, 'an HTTP/1.1 request without Host is not a 400', ctx);
  if (r.method === 'OPTIONS') {
    check(res.status === 204, 'a preflight is not a 204', ctx);
    check(res.headers['access-control-allow-methods'] === ALLOWED, 'a preflight without the methods allowed', ctx);
    check(res.headers['access-control-max-age'] === '86400', 'a preflight without Max-Age 86400', ctx);
    // Node joins a header sent twice with ", ", as HTTP reads a list.
    const lines = r.headers.filter(([k]) => k === 'access-control-request-headers').map(([, v]) => v);
    const asked = lines.join(', ').trim();
    if (lines.length > 0 && HEADER_NAMES.test(asked))
      check(
        res.headers['access-control-allow-headers'] === asked,
        'a preflight that does not allow the headers asked for',
        ctx,
      );
    return;
  }
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    check(res.status === 405, 'a method other than GET, HEAD or OPTIONS is not a 405', ctx);
    check(res.headers['allow'] === ALLOWED, 'a 405 without Allow: GET, HEAD, OPTIONS', ctx);
    return;
  }
  check([200, 303, 400, 404].includes(res.status), 'a GET answered other than 200, 303, 400 or 404', ctx);
}

/** HEAD is GET without the body: the same status and headers (Content-Length included). */
export function checkHeadLikeGet(r: Fuzzed, get: RawResponse, head: RawResponse): void {
  const without = (h: RawResponse['headers']) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'date'));
  const ctx = {
    path: r.path.slice(0, 200),
    headers: r.headers,
    get: { status: get.status, headers: get.headers },
    head: { status: head.status, headers: head.headers },
  };
  check(get.status === head.status, 'HEAD and GET answered different statuses', ctx);
  check(
    JSON.stringify(without(get.headers)) === JSON.stringify(without(head.headers)),
    'HEAD and GET answered different headers',
    ctx,
  );
  check(head.body.length === 0, 'HEAD answered with a body', ctx);
}

/** The same request in the other format: `.json` for `.xml` or the reverse, where the path ends so. */
export function otherFormat(path: string): string | null {
  const [head = '', ...rest] = path.split('?');
  const OTHER: Record<string, string> = { json: 'xml', xml: 'json', JSON: 'XML', XML: 'JSON' };
  const swapped = head.replace(/\.(json|xml)(\/*)$/i, (all, ext: string, slashes: string) =>
    OTHER[ext] === undefined ? all : `.${OTHER[ext]}${slashes}`,
  );
  return swapped === head ? null : [swapped, ...rest].join('?');
}

/** The ids of a GeoReport list of requests, in either format. */
function ids(res: RawResponse): string[] {
  const text = res.body.toString('utf8');
  if (String(res.headers['content-type']).startsWith('application/json'))
    return (JSON.parse(text) as { service_request_id: string }[]).map((r) => r.service_request_id);
  return [...text.matchAll(/<request><service_request_id>([^<]*)<\/service_request_id>/g)].map((m) => m[1] ?? '');
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** JSON and XML are two spellings of one answer: the same status and, for requests, the same ones in order. */
export function checkFormatsAgree(r: Fuzzed, a: RawResponse, b: RawResponse): void {
  const ctx = { path: r.path.slice(0, 200), a: a.status, b: b.status };
  check(a.status === b.status, 'the JSON and XML forms of a request answered different statuses', ctx);
  if (a.status !== 200 || !/\/requests[./]/.test(r.path)) return;
  const [x, y] = [ids(a).map(unescapeXml), ids(b).map(unescapeXml)];
  check(JSON.stringify(x) === JSON.stringify(y), 'the JSON and XML forms list different requests', { ...ctx, x, y });
}
