import type { SimRequest, SimResponse } from '../../src/sdk/index.ts';
import type { WorkOrder } from './simulator-model.ts';

/**
 * What the simulated Maximo writes in its hrefs (work orders, next pages) and how it words its
 * answers (lean or namespaced JSON). Maximo builds hrefs from its webappurl properties, not from
 * the URL it was called on, so the simulator can be told to write another scheme, host or path
 * (MaximoSimulator.hrefBase). Its own module beside simulator.ts, which holds the work-order
 * rules and is kept under 400 lines.
 */

/** Maximo's rest ids are opaque; these encode site and wonum, as Maximo's own do. */
export const restId = (wo: WorkOrder) => `_${Buffer.from(`${wo.siteid}/${wo.wonum}`).toString('base64url')}`;

/** What goes before the paths of every href: `hrefBase`, or the host the simulator was called on. */
export function hrefBaseOf(r: SimRequest, hrefBase: string | undefined): string {
  return hrefBase ?? `http://${r.headers.host ?? '127.0.0.1'}`;
}

/**
 * The REST root Maximo writes in its hrefs. Its webappurl property ends in `/maximo/oslc`, and a
 * Maximo builds every href from it, whichever root it was called on: a bridge calling
 * `/maximo/api` is given `/maximo/oslc` links to the same resources. `as-called`: a Maximo whose
 * webappurl names the root the bridge calls.
 */
export type HrefRoot = '/maximo/oslc' | '/maximo/api' | 'as-called';

const calledRoot = (r: SimRequest) => (r.path.startsWith('/maximo/oslc') ? '/maximo/oslc' : '/maximo/api');

/** What an href says for the path a request came by: its root as Maximo writes it (see HrefRoot). */
export function hrefOf(r: SimRequest, path: string, o: { base: string | undefined; root: HrefRoot }): string {
  const called = calledRoot(r);
  const root = o.root === 'as-called' ? called : o.root;
  return `${hrefBaseOf(r, o.base)}${root}${path.slice(called.length)}`;
}

/** A work order's href (see hrefOf). */
export function workOrderHref(r: SimRequest, wo: WorkOrder, o: { base: string | undefined; root: HrefRoot }): string {
  return hrefOf(r, `${calledRoot(r)}/os/mxwo/${restId(wo)}`, o);
}

// The names Maximo's OSLC namespaces give the few keys that are not attributes.
const NAMESPACED: Readonly<Record<string, string>> = {
  member: 'rdfs:member',
  href: 'rdf:about',
  responseInfo: 'oslc:responseInfo',
  nextPage: 'oslc:nextPage',
};

function namespaced(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(namespaced);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [NAMESPACED[k] ?? `spi:${k}`, namespaced(v)]));
}

/**
 * The answer as Maximo's 7.6 root writes it: /maximo/oslc answers in namespaced JSON
 * (`rdfs:member`, `spi:wonum`) unless the call asks for `lean=1`, while /maximo/api is lean by
 * default. A client that leaves lean=1 out reads no work order there, as against a real Maximo.
 */
export function asAnswered(r: SimRequest, answer: SimResponse): SimResponse {
  const lean = !r.path.startsWith('/maximo/oslc') || r.query.get('lean') === '1';
  return lean || answer.body === undefined ? answer : { ...answer, body: namespaced(answer.body) };
}
