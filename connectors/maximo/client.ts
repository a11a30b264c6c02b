import { createHash } from 'node:crypto';
import { z } from 'zod';
import { callJson, CloseloopError, HttpClient, malformedResponse, sendJson } from '../../src/sdk/index.ts';
import { API_ROOTS } from './config.ts';
import { datesIn, workOrderSchema, type MaximoWorkOrder } from './work-order.ts';

export {
  datesIn,
  feedChangeIn,
  statusInstant,
  workOrderIn,
  workOrderSchema,
  type MaximoWorkOrder,
} from './work-order.ts';

/**
 * A work order as the sink and the lookup read it, by its reference: its change and status dates
 * are only text here. The sink acts on its href, status, priority and work log, and needs no date;
 * holding it to dates with an offset would fail every command for a Maximo that writes them
 * without one (and no timeZone set) as a malformed answer, retried until it is dead-lettered, with
 * nothing sent. The lookup reads its status date where it uses it (see statusInstant).
 */
const referencedSchema = workOrderSchema.extend({ statusdate: z.string().min(1), changedate: z.string().min(1) });

const nextPageSchema = z.object({ nextPage: z.object({ href: z.string().min(1) }).optional() }).loose();
const pageSchema = (timeZone: string | undefined) =>
  z.object({
    member: z.array(z.preprocess((raw) => datesIn(raw, timeZone), referencedSchema)),
    responseInfo: nextPageSchema,
  });
// The health probe asks only whether the API answers with a page: one work order's dates are no
// outage, and would keep a source paused that its feed can read past.
const probeSchema = z.object({ member: z.array(z.unknown()) }).loose();

/**
 * A page of the change feed. Of each work order only what identifies it in the feed is checked
 * here (the cursor keeps the row stamps of the changes it published): one without them cannot be
 * told from the others, so nothing after it could be read safely, and the page fails as a whole.
 * Its changedate is placed by the feed (see poll in feed.ts), and the rest is read one by one
 * (readChanges), so one the bridge cannot read is dead-lettered and the feed moves past it.
 */
const feedMemberSchema = z.object({ workorderid: z.number().int(), _rowstamp: z.string().min(1) }).loose();
const feedPageSchema = z.object({ member: z.array(feedMemberSchema), responseInfo: nextPageSchema });

export type MaximoPage = z.infer<ReturnType<typeof pageSchema>>;
export type MaximoFeedPage = z.infer<typeof feedPageSchema>;

/** What the bridge writes when it creates a work order (MXWO attribute names). */
export interface NewWorkOrder {
  readonly siteid: string;
  readonly description: string;
  readonly description_longdescription?: string;
  readonly wopriority: number;
  /** The originating record: the 311 ticket, as a Maximo SR would be. */
  readonly origrecordid: string;
  readonly origrecordclass: 'SR';
  /** The bridge's work-order id, by which every later command finds the work order. */
  readonly externalrefid: string;
  readonly reportedby: string;
}

export interface WorkOrderUpdate {
  readonly status?: string;
  /** The memo of a status change: a non-persistent attribute Maximo writes to the status history. */
  readonly np_statusmemo?: string;
  readonly wopriority?: number;
  readonly worklog?: readonly {
    readonly logtype: string;
    readonly description: string;
    readonly description_longdescription: string;
  }[];
}

/**
 * The transactionid header of a command's write. Maximo keeps the id of every write it commits
 * (five minutes by default, the OSLCTXN escalation) and answers a write with an id it has
 * committed with 409: so a write whose answer was lost (a time-out after Maximo saved) is not
 * made twice when the runner retries it. Ours are a hash of the command id: short, of safe
 * characters, and not to be confused with another client's ids.
 */
export function transactionIdOf(commandId: string): string {
  return `closeloop-${createHash('sha256').update(commandId).digest('base64url').slice(0, 32)}`;
}

/**
 * Whether a write was refused with 409 for another reason than another user's save of the same
 * record (see contended): by its transaction id, as one Maximo committed already (see
 * transactionIdOf). Maximo's reason for that is not relied on; what a command then finds on its
 * work order is checked where the work order can show it (see deliverUpdate and Creates).
 */
export function alreadyCommitted(err: unknown): boolean {
  return err instanceof CloseloopError && err.details['httpStatus'] === 409 && !contended(err);
}

/** Maximo's optimistic lock: another user saved the record meanwhile, and nothing was saved. */
const UPDATED_BY_ANOTHER = /BMXAA8229W|updated by another user/i;
/**
 * IBM documents the clash as 412 ("the resource is being updated by another user"); versions and
 * gateways answer it 409 or 400 too. Its message code says what happened, whatever the status.
 */
const CONTENTION_STATUSES: ReadonlySet<unknown> = new Set([400, 409, 412]);

function contended(err: CloseloopError): boolean {
  return CONTENTION_STATUSES.has(err.details['httpStatus']) && UPDATED_BY_ANOTHER.test(err.message);
}

interface Query {
  readonly where: string;
  readonly orderBy?: string;
  readonly pageSize: number;
  readonly select?: string;
}

export const SELECT =
  'workorderid,wonum,siteid,status,status_maxvalue,statusdate,changedate,description,wopriority,origrecordid,origrecordclass,externalrefid,schedstart';

const NEXT_PAGE = 'reading the next page of a Maximo query';

/** A work order holding a reference, as the feed's check reads it (see holdersOf). */
const holderSchema = z
  .object({ workorderid: z.number().int(), wonum: z.string().min(1), siteid: z.string(), externalrefid: z.string() })
  .loose();
// Members are read one by one (see holdersOf): a row the feed dead-letters as unreadable (no
// siteid, say) must not fail the check, and with it every change on the page.
const holdersPageSchema = z.object({ member: z.array(z.unknown()), responseInfo: nextPageSchema });
export type Holder = z.infer<typeof holderSchema>;
/** Holders read at most per check (see holdersOf). */
const HOLDERS_PAGE = 1000;

/** How many work orders under one reference a duplicate's error names (see byExternalRef). */
const SHOWN_DUPLICATES = 10;

/** oslc.where takes values in double quotes with no way to escape one; such a value is refused. */
export function quoted(value: string): string {
  if (value.includes('"'))
    throw new CloseloopError('CL_CONNECTOR_REJECTED', `a value with a double quote cannot be queried: ${value}`);
  return `"${value}"`;
}

/** The Maximo-like system's REST API. Every failure comes out classified: retriable or a data error. */
export class MaximoClient {
  readonly #http: HttpClient;
  /** The configured server: origin and any path before the API root (a gateway's prefix). */
  readonly #origin: string;
  readonly #basePath: string;
  readonly #apiRoot: string;
  readonly #collection: string;
  readonly #timeZone: string | undefined;

  constructor(options: {
    timeZone?: string | undefined;
    baseUrl: string;
    apiRoot: string;
    objectStructure: string;
    apiKey: string | undefined;
    timeoutMs: number;
    maxResponseBytes?: number;
  }) {
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#apiRoot = options.apiRoot;
    this.#timeZone = options.timeZone;
    this.#collection = `${options.apiRoot}/os/${options.objectStructure}`;
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(options.apiKey ? { apikey: options.apiKey } : {}),
      },
      params: { lean: 1 },
    });
  }

  /**
   * The first page of a query. A collection query is about the API, never one record: its 404 is
   * WebSphere's "Context Root Not Found" while Maximo restarts, or a wrong apiRoot, so it pauses
   * instead of dead-lettering.
   */
  query(q: Query): Promise<MaximoPage> {
    return this.#query(q, pageSchema(this.#timeZone));
  }

  /** The cheapest real call, for health: one work order, the page's shape only. */
  async ping(): Promise<void> {
    await this.#query({ where: 'wonum="*"', pageSize: 1 }, probeSchema);
  }

  /** A query of the change feed: its work orders are checked only for their place in it. */
  feed(q: Query): Promise<MaximoFeedPage> {
    return this.#query(q, feedPageSchema);
  }

  #query<P>(q: Query, schema: z.ZodType<P>): Promise<P> {
    const params = {
      'oslc.where': q.where,
      'oslc.select': q.select ?? SELECT,
      'oslc.pageSize': q.pageSize,
      ...(q.orderBy ? { 'oslc.orderBy': q.orderBy } : {}),
    };
    return callJson(`querying Maximo ${this.#collection} where ${q.where}`, schema, () =>
      this.#http.get(this.#collection, { params, about: 'api' }),
    );
  }

  /** Where the page a responseInfo.nextPage points at is read: on the configured server (see #onServer). */
  nextPageUrl(href: string): string {
    return this.#onServer(href, NEXT_PAGE);
  }

  /** The feed page a responseInfo.nextPage points at, on the configured server (see #onServer). */
  async nextFeedPage(href: string): Promise<MaximoFeedPage> {
    const what = NEXT_PAGE;
    const url = this.#onServer(href, what);
    // The href carries the query's parameters; lean=1 is added when Maximo left it out.
    return callJson(what, feedPageSchema, () => this.#http.get(url, { about: 'api' }));
  }

  /**
   * Where the configured server answers for an href Maximo wrote. Maximo builds hrefs from its
   * webappurl properties, not from the URL it was called on: behind a TLS-offloading proxy or a
   * load balancer they name `http://` or an internal host, and their root is the webappurl's
   * (`/maximo/oslc` by default) whichever root the bridge calls. So only the href's path and
   * query are taken, on the configured baseUrl, which also keeps the API key on the configured
   * server; and a link under the other REST root is the same resource under the configured one
   * (both roots serve the same object structures by the same ids). A path under neither root is
   * no page or work order of this API: a configuration fault (CL_CONNECTOR_MISDIRECTED, naming
   * both servers by origin and path, never the query).
   */
  #onServer(href: string, what: string): string {
    let url: URL;
    try {
      url = new URL(href, `${this.#origin}${this.#basePath}/`);
    } catch {
      throw malformedResponse(what, 'an href that is not a URL');
    }
    const path = this.#apiPath(url.pathname);
    if (path === null) {
      const link = `${url.origin}${url.pathname}`;
      const configured = `${this.#origin}${this.#basePath}${this.#apiRoot}`;
      throw new CloseloopError(
        'CL_CONNECTOR_MISDIRECTED',
        `${what}: Maximo gave a link outside the API root: ${link}, where the bridge calls ${configured}; ` +
          "check Maximo's webappurl properties and the connector's baseUrl and apiRoot",
        { details: { outsideApiRoot: link, configured } },
      );
    }
    return `${this.#origin}${this.#basePath}${path}${url.search}`;
  }

  /** A link's path under the configured API root, or null when it is under no REST root. */
  #apiPath(pathname: string): string | null {
    // Maximo may know a gateway's prefix (its webappurl includes it) or not.
    const prefixed = this.#basePath !== '' && pathname.startsWith(`${this.#basePath}/maximo/`);
    const path = prefixed ? pathname.slice(this.#basePath.length) : pathname;
    const root = API_ROOTS.find((r) => path.startsWith(`${r}/`));
    return root === undefined ? null : `${this.#apiRoot}${path.slice(root.length)}`;
  }

  /**
   * The work orders holding one of `refs` as their externalrefid at one of `sites`, lowest
   * workorderid first: how the feed tells the bridge's work order from a second one under its
   * reference (see ownersOf in feed.ts). One page: a reference on it has its lowest holder there;
   * one past it (more than HOLDERS_PAGE holders of a hundred references, a reference shared past
   * all use) is not answered, and its changes go out under it as before. A holder that does not
   * read (no siteid, say) is passed over: the feed dead-letters its own change as unreadable.
   */
  async holdersOf(refs: readonly string[], sites: readonly string[]): Promise<Holder[]> {
    const where = `externalrefid in [${refs.map(quoted).join(',')}] and siteid in [${sites.map(quoted).join(',')}]`;
    const select = 'workorderid,wonum,siteid,externalrefid';
    const page = await this.#query(
      { where, orderBy: '+workorderid', pageSize: HOLDERS_PAGE, select },
      holdersPageSchema,
    );
    return page.member.flatMap((m) => {
      const holder = holderSchema.safeParse(m);
      return holder.success ? [holder.data] : [];
    });
  }

  /**
   * The work order the bridge created under `externalrefid` at `siteid`, or null when there is
   * none. Maximo does not refuse a second work order with the same reference, so there may be
   * more than one (a save that landed after the bridge gave up on it and posted again, a planner's
   * copy that kept the reference). Then the bridge cannot tell which is its own, nor which one its
   * events came from: cancelling them all could cancel work a person meant to keep, acting on the
   * first would leave the other open with nobody told (a crew sent to a withdrawn request). So
   * neither: CL_CONNECTOR_DUPLICATE_WORK_ORDER, naming them all, which dead-letters the command
   * for a person to settle in Maximo and replay. A cancelled copy still counts while it keeps the
   * reference (the feed publishes its changes under its own id, see ownersOf in feed.ts).
   */
  async byExternalRef(externalrefid: string, siteid: string, withWorklog = false): Promise<MaximoWorkOrder | null> {
    const page = await this.query({
      where: `externalrefid=${quoted(externalrefid)} and siteid=${quoted(siteid)}`,
      orderBy: '+workorderid',
      pageSize: SHOWN_DUPLICATES,
      ...(withWorklog ? { select: `${SELECT},worklog{logtype,description_longdescription}` } : {}),
    });
    const [only, ...others] = page.member;
    if (others.length === 0) return only ?? null;
    const wonums = page.member.map((wo) => wo.wonum);
    const more = page.responseInfo.nextPage ? ' and more' : '';
    throw new CloseloopError(
      'CL_CONNECTOR_DUPLICATE_WORK_ORDER',
      `Maximo has ${wonums.length}${more ? ' or more' : ''} work orders with externalrefid ${externalrefid} ` +
        `at site ${siteid}: ${wonums.join(', ')}${more}; the bridge acts on none of them until one is left ` +
        '(clear the externalrefid of the extra ones in Maximo first, then cancel them as needed, and replay this command)',
      { details: { externalrefid, siteid, wonums } },
    );
  }

  /**
   * The work order a bridge work-order id names at `siteid`: the one the bridge created under it
   * (byExternalRef), else, for an id `<siteid>/<wonum>`, the one Maximo numbered so. The feed
   * publishes a job the department opened itself, or a planner's copy, under that id (ownId in
   * mapping.ts), and the bridge's commands and lookups name it by it. wonum is unique at a site.
   */
  async byWorkOrderId(id: string, siteid: string, withWorklog = false): Promise<MaximoWorkOrder | null> {
    const made = await this.byExternalRef(id, siteid, withWorklog);
    const wonum = id.startsWith(`${siteid}/`) ? id.slice(siteid.length + 1) : '';
    if (made || wonum === '') return made;
    const page = await this.query({
      where: `wonum=${quoted(wonum)} and siteid=${quoted(siteid)}`,
      pageSize: 1,
      ...(withWorklog ? { select: `${SELECT},worklog{logtype,description_longdescription}` } : {}),
    });
    return page.member[0] ?? null;
  }

  /**
   * A POST of a new work order, under the command's transactionid (see transactionIdOf). The
   * answer is not read: the work order is found again by its externalrefid when needed, and what
   * Maximo answers varies (201 with the work order's properties, dates at the server's offset or
   * with none, or with its Location alone), so holding it to the work order's schema would take a
   * done POST for a malformed answer, and post it again. A body that is not JSON (a proxy's page)
   * is malformed all the same.
   */
  async create(wo: NewWorkOrder, transactionId: string, signal?: AbortSignal): Promise<void> {
    await sendJson(`creating the Maximo work order for ${wo.externalrefid}`, z.unknown(), () =>
      this.#http.post(this.#collection, wo, {
        headers: { transactionid: transactionId },
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /**
   * A PATCH of the work order at `href`; work log entries are added to the ones it has (MERGE).
   * Maximo answers it with 204 and no body, and its answer tells the bridge nothing it needs, so
   * any 2xx with no body or a JSON one is done; a body that is not JSON (a proxy's HTML page for a
   * PATCH Maximo never saw) is malformed, retried like an outage. The PATCH is idempotent: a
   * status set again is no change, and work log entries are found by their reference; and a
   * PATCH Maximo committed already under its transactionid (a retry after a lost answer) is
   * answered 409 ('committed', for the caller to check). A save of the same work order by another
   * user (BMXAA8229W, answered 412, 409 or 400) saved nothing and is retriable.
   */
  async update(wo: MaximoWorkOrder, body: WorkOrderUpdate, transactionId: string): Promise<'updated' | 'committed'> {
    const what = `updating Maximo work order ${wo.siteid}/${wo.wonum}`;
    const href = this.#onServer(wo.href, what);
    const headers = { 'x-method-override': 'PATCH', patchtype: 'MERGE', transactionid: transactionId };
    try {
      await sendJson(what, z.unknown(), () => this.#http.post(href, body, { headers }));
      return 'updated';
    } catch (err) {
      if (alreadyCommitted(err)) return 'committed';
      // Another user's save of the work order won the race: nothing was saved, and the same
      // PATCH (on the work order as it now is) goes through once theirs is done.
      if (err instanceof CloseloopError && contended(err))
        throw new CloseloopError('CL_CONNECTOR_RETRIABLE', err.message, { cause: err, details: err.details });
      throw err;
    }
  }
}
