/**
 * What the API must answer for a request asked for by id, from docs/status-api.md ("Endpoints")
 * alone: `/requests/{id}` finds the percent-decoded segment before the last `.json` or `.xml`, a
 * 400 for what can never be an id, else a 404 when unknown; `service_request_id` (repeated or
 * comma-separated, trimmed, form-encoded) lists the known ones in the order asked, each once, a 404
 * when none is known, a 400 past the limit or for one that can never be an id.
 */
import { ticketIdFault } from '../../../src/domain/identifiers.ts';
import { check } from '../property/check.ts';
import type { RawResponse } from './client.ts';
import type { Fuzzed } from './requests.ts';
import { API_IDS, MAX_IDS } from './servers.ts';

const KNOWN: ReadonlySet<string> = new Set(API_IDS);

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The ids a response lists, in either format. */
function listed(res: RawResponse): string[] {
  const text = res.body.toString('utf8');
  if (String(res.headers['content-type']).startsWith('application/json'))
    return (JSON.parse(text) as { service_request_id: string }[]).map((r) => r.service_request_id);
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...text.matchAll(/<request><service_request_id>([^<]*)<\/service_request_id>/g)].map((m) =>
    unescape(m[1] ?? ''),
  );
}

/** The status and ids expected, or null where these rules do not say (another route, a jurisdiction). */
export function expectedLookup(r: Fuzzed): { status: number; ids: string[] } | null {
  if (!r.wellFormed || !r.host || (r.method !== 'GET' && r.method !== 'HEAD')) return null;
  const [path = '', query = ''] = (r.path.split('#')[0] ?? '').split('?');
  const params = new URLSearchParams(query);
  // jurisdiction_id is judged first, and on every route; these rules are about ids.
  if (params.getAll('jurisdiction_id').some((v) => v.trim() !== '')) return null;
  const one = /^\/requests\/([^/]*)\.(json|xml)$/.exec(path);
  if (one) {
    const id = decoded(one[1] ?? '');
    if (id === null || ticketIdFault(id) !== null) return { status: 400, ids: [] };
    return KNOWN.has(id) ? { status: 200, ids: [id] } : { status: 404, ids: [] };
  }
  if (!/^\/requests\.(json|xml)$/.test(path)) return null;
  const asked = [
    ...new Set(
      params
        .getAll('service_request_id')
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (asked.length === 0) return null; // a search
  if (asked.length > MAX_IDS || asked.some((id) => ticketIdFault(id) !== null)) return { status: 400, ids: [] };
  const ids = asked.filter((id) => KNOWN.has(id));
  return ids.length === 0 ? { status: 404, ids } : { status: 200, ids };
}

export function checkLookup(r: Fuzzed, res: RawResponse): void {
  const expected = expectedLookup(r);
  if (expected === null) return;
  const ctx = { path: r.path.slice(0, 300), expected, status: res.status };
  check(res.status === expected.status, 'a lookup by id answered another status than the docs say', ctx);
  if (res.status !== 200 || r.method === 'HEAD') return;
  const got = listed(res);
  check(JSON.stringify(got) === JSON.stringify(expected.ids), 'a lookup by id listed other requests', { ...ctx, got });
}
