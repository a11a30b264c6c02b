import type { SimRequest } from '../../src/sdk/index.ts';
import type { WorkOrder } from './simulator-model.ts';

/**
 * What the simulated Maximo writes in its hrefs (work orders, next pages). Maximo builds them from
 * its webappurl properties, not from the URL it was called on, so the simulator can be told to
 * write another scheme, host or path (MaximoSimulator.hrefBase). Its own module beside
 * simulator.ts, which holds the work-order rules and is kept under 400 lines.
 */

/** Maximo's rest ids are opaque; these encode site and wonum, as Maximo's own do. */
export const restId = (wo: WorkOrder) => `_${Buffer.from(`${wo.siteid}/${wo.wonum}`).toString('base64url')}`;

/** What goes before the paths of every href: `hrefBase`, or the host the simulator was called on. */
export function hrefBaseOf(r: SimRequest, hrefBase: string | undefined): string {
  return hrefBase ?? `http://${r.headers.host ?? '127.0.0.1'}`;
}

/** A work order's href, under the root (`/maximo/api` or `/maximo/oslc`) the request came by. */
export function workOrderHref(r: SimRequest, wo: WorkOrder, hrefBase: string | undefined): string {
  const root = r.path.startsWith('/maximo/oslc') ? '/maximo/oslc' : '/maximo/api';
  return `${hrefBaseOf(r, hrefBase)}${root}/os/mxwo/${restId(wo)}`;
}
