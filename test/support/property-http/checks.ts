/**
 * What every answer must be, whatever was asked (docs/status-api.md, docs/public-site.md): an
 * answer, never a dropped connection or a 5xx; the headers every answer carries; a body in the
 * Content-Type it names, well-formed; errors in GeoReport's shape, in the URL's format; no contact
 * data from the read models.
 */
import { XMLValidator } from 'fast-xml-parser';
import { check } from '../property/check.ts';
import type { Outcome, RawResponse } from './client.ts';
import type { Fuzzed } from './requests.ts';
import { SECRETS } from './servers.ts';

export type Target = 'api' | 'site';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const XML_TYPE = 'text/xml; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
const CSV_TYPE = 'text/csv; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** An `&` that starts no entity or character reference. */
const BARE_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

export const COMMON = {
  'cache-control': 'no-store',
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining',
  'x-content-type-options': 'nosniff',
};

const brief = (r: Fuzzed) => ({
  ...r,
  path: r.path.length > 200 ? `${r.path.slice(0, 200)}… (${r.path.length})` : r.path,
  headers: r.headers.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}… (${v.length})` : v]),
});
const shown = (res: RawResponse) => ({
  status: res.status,
  headers: res.headers,
  body: res.body.toString('utf8').slice(0, 400),
});

/** The path as sent, before its query or fragment. */
export const pathOf = (target: string) => target.split(/[?#]/)[0] ?? '';
const MACHINE = /\.(json|xml)\/*$/i;
/** A path whose format no escape or dot segment can change: its extension is what the server reads. */
function plainPath(path: string): boolean {
  return /^\/[A-Za-z0-9/_\-.~!$&'()*+,;=:@]*$/.test(path) && !path.split('/').some((s) => s === '.' || s === '..');
}

/** The format the URL asks for, when the server must have read it; null when the checks cannot tell. */
export function askedFormat(target: Target, r: Fuzzed): 'json' | 'xml' | 'html' | null {
  const path = pathOf(r.path);
  if (!r.wellFormed || !plainPath(path)) return null;
  // The downloads; and a page whose last segment is a request id or department name, which may end
  // in .json of its own (an id is any text): the page is asked for, whatever the name ends with.
  if (target === 'site' && /^\/+(performance\.(csv|json)|(track|departments)\/+[^/]+)$/.test(path)) return null;
  if (/\.xml\/*$/i.test(path)) return 'xml';
  if (MACHINE.test(path) || target === 'api') return 'json';
  return 'html';
}

export function mustAnswer(o: Outcome, r: Fuzzed): RawResponse {
  check(o.ok, 'no answer: the connection was dropped or timed out', {
    request: brief(r),
    error: o.ok ? null : o.error,
  });
  return o.res;
}

export function checkAnswer(target: Target, r: Fuzzed, res: RawResponse): void {
  const ctx = { request: brief(r), response: shown(res) };
  check(res.status < 500, 'a 5xx for a request', ctx);
  for (const [name, value] of Object.entries(COMMON)) check(res.headers[name] === value, `no ${name}: ${value}`, ctx);
  const text = res.body.toString('utf8');
  const everything = `${JSON.stringify(res.headers)}\n${res.body.toString('latin1')}\n${text}`;
  for (const secret of SECRETS) check(!everything.includes(secret), `contact data served: ${secret}`, ctx);
  const type = res.headers['content-type'];
  if (res.status === 204) {
    check(type === undefined && res.body.length === 0, 'a 204 with a body or a Content-Type', ctx);
    return;
  }
  if (r.method === 'HEAD') check(res.body.length === 0, 'HEAD answered with a body', ctx);
  else check(Number(res.headers['content-length']) === res.body.length, 'Content-Length is not the body length', ctx);
  // The site's /track form is sent on to /track/<id> with a 303 and an empty text body.
  const redirect = target === 'site' && res.status === 303 ? [TEXT_TYPE] : [];
  const types = target === 'site' ? [JSON_TYPE, XML_TYPE, HTML_TYPE, CSV_TYPE, ...redirect] : [JSON_TYPE, XML_TYPE];
  check(typeof type === 'string' && types.includes(type), 'an unexpected Content-Type', ctx);
  check(Buffer.from(text, 'utf8').equals(res.body), 'the body is not UTF-8', ctx);
  const asked = askedFormat(target, r);
  const got = type === XML_TYPE ? 'xml' : type === JSON_TYPE ? 'json' : type === HTML_TYPE ? 'html' : 'csv';
  // A person on a page path is answered a page; errors of a path ending .json/.xml stay GeoReport's.
  if (asked !== null && !(asked === 'html' && res.status < 400))
    check(got === asked || (asked === 'html' && res.status === 303), `asked for ${asked}, answered ${got}`, ctx);
  if (r.method === 'HEAD') return;
  if (got === 'json') checkJson(text, res.status, ctx);
  if (got === 'xml') checkXml(text, res.status, ctx);
  if (res.status >= 400 && (got === 'json' || got === 'xml')) checkNoEcho(r, text, ctx);
}

/** What a request said, long enough not to be a word of an error's own: a path segment or a query value. */
function saidParts(r: Fuzzed): string[] {
  const [path = '', query = ''] = r.path.split('#')[0]?.split('?') ?? [];
  const values = query.split('&').filter((p) => p.includes('='));
  const parts = [...path.split('/'), ...values.map((p) => p.slice(p.indexOf('=') + 1))];
  const decoded = parts.map((p) => {
    try {
      return decodeURIComponent(p.replace(/\+/g, ' '));
    } catch {
      return p;
    }
  });
  // Route and parameter names (requests, service_request_id) are the errors' own words too.
  return [...parts, ...decoded]
    .map((p) => p.replace(/\.(json|xml)$/i, ''))
    .filter((p) => p.length >= 8 && !/^[a-z_]+$/.test(p));
}

/** docs/status-api.md, "Errors": error text never repeats what was sent, ids included. */
function checkNoEcho(r: Fuzzed, text: string, ctx: unknown): void {
  for (const part of saidParts(r))
    check(!text.includes(part), 'an error that repeats what was sent', { ...(ctx as object), part });
}

function checkJson(text: string, status: number, ctx: unknown): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    check(false, 'a JSON body that does not parse', ctx);
  }
  if (status < 400) return;
  const [first, ...rest] = Array.isArray(body) ? (body as unknown[]) : [];
  const e = first as { code?: unknown; description?: unknown } | undefined;
  check(
    rest.length === 0 && e?.code === status && typeof e.description === 'string' && Object.keys(e).length === 2,
    "an error that is not GeoReport's [{ code, description }] with the status as code",
    ctx,
  );
}

function checkXml(text: string, status: number, ctx: unknown): void {
  check(text.startsWith(XML_DECLARATION), 'XML without its declaration', ctx);
  check(!NOT_XML_CHAR.test(text), 'XML holding a character XML 1.0 cannot carry', ctx);
  check(!BARE_AMPERSAND.test(text), 'XML with a bare &', ctx);
  const valid = XMLValidator.validate(text);
  check(valid === true, 'XML that is not well-formed', { ...(ctx as object), why: valid });
  if (status < 400) return;
  const error = new RegExp(
    `^${escape(XML_DECLARATION)}<errors><error><code>${status}</code><description>[^<]*</description></error></errors>$`,
  );
  check(error.test(text), "an XML error that is not GeoReport's <errors><error><code> with the status", ctx);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
