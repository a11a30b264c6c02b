import type { Channel, CrmTicketEvent, PublicLocation, RequestKind } from '../domain/types.ts';
import { isImported } from '../domain/import.ts';
import { scrubPii } from '../domain/pii.ts';
import {
  EARLIEST_EVENT_TIME,
  forecastBelievable,
  MAX_FORECAST_YEARS,
  requestTime,
  showTime,
} from '../domain/request-time.ts';

/**
 * What the CRM says about a request that may be published: how it came in, what kind it is, what
 * the CRM calls the service, where the issue is (never where the requester lives) and when the CRM
 * wants it done. The description and notes of a CRM event are dropped here, on arrival.
 */
export interface RequestFact {
  readonly ticketId: string;
  readonly serviceCode: string | null;
  readonly serviceName: string | null;
  readonly channel: Channel | null;
  readonly requestKind: RequestKind | null;
  readonly requestedAt: number | null;
  /**
   * The time of the first CRM event about the request, which its request time is judged against
   * (factRequestTime). null for imported history, whose request times are believed however old,
   * and for a source read without its envelope.
   */
  readonly reportedAt: number | null;
  readonly location: PublicLocation | null;
  /** The CRM's due date, only when it can be one (forecastBelievable); else null. */
  readonly crmDueAt: number | null;
}

/** The CRM event fields this store reads; everything else is never looked at. */
export type CrmFactSource = Pick<
  CrmTicketEvent,
  'ticketId' | 'serviceCode' | 'serviceName' | 'requestedAt' | 'channel' | 'requestKind' | 'location' | 'crmDueAt'
> & { readonly envelope?: Pick<CrmTicketEvent['envelope'], 'occurredAt' | 'origin'> };

const finite = (n: number | null | undefined): number | null =>
  typeof n === 'number' && Number.isFinite(n) ? n : null;

function publicLocation(l: PublicLocation | null | undefined): PublicLocation | null {
  if (!l) return null;
  const lat = finite(l.latitude);
  const long = finite(l.longitude);
  // A coordinate outside the globe is a CRM mistake; publishing it would put the pin nowhere.
  const valid = lat !== null && long !== null && Math.abs(lat) <= 90 && Math.abs(long) <= 180;
  return {
    // Staff type addresses by hand and sometimes add "call 410-…": the scrubber keeps the street.
    address: l.address === null ? null : scrubPii(l.address),
    latitude: valid ? lat : null,
    longitude: valid ? long : null,
    district: l.district === null ? null : scrubPii(l.district),
  };
}

/**
 * When a request was made, as the processor would judge it (src/domain/request-time.ts), for a
 * request it has not published a status for yet: an information request answered at first
 * contact, or one moments old. A CRM time the processor would quarantine as IMPLAUSIBLE_TIME
 * (seconds taken for milliseconds, a month ahead, a mistyped year) gives way to the event's time,
 * as it does in the status. The event's time also stands in for processing time, which a read
 * model restored from the topic cannot know; the processor, processing a little later, may
 * believe a request time that much later than the event.
 */
export function factRequestTime(f: RequestFact): number | null {
  if (f.reportedAt === null) return f.requestedAt;
  return requestTime(f.requestedAt, f.reportedAt, { now: f.reportedAt, policy: {} }).at;
}

/** A request a service's name was read from. */
export interface NamedBy {
  readonly ticketId: string;
  readonly requestedAt: number | null;
}

/**
 * Whether a service goes by the name on request `a` rather than the one on `b`: the later
 * request's, on the same request time the greater ticket id's, compared in code units rather than
 * by the locale. Replicas reading the CRM's partitions in different orders then name it alike.
 */
export function namesService(a: NamedBy, b: NamedBy): boolean {
  const at = a.requestedAt ?? -Infinity;
  const bt = b.requestedAt ?? -Infinity;
  return at !== bt ? at > bt : a.ticketId > b.ticketId;
}

/**
 * The latest public facts per ticket, fed from the CRM events topic. Later events refine earlier
 * ones: a field the CRM leaves null (or a v1 record without it) keeps what was known.
 */
export class RequestFacts {
  readonly #facts = new Map<string, RequestFact>();
  readonly #names = new Map<string, { readonly name: string; readonly by: NamedBy }>();
  readonly #now: () => number;
  #changes = 0;

  constructor(options: { readonly now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Moves on every change, so derived figures know when to recompute. */
  get changes(): number {
    return this.#changes;
  }

  get size(): number {
    return this.#facts.size;
  }

  get(ticketId: string): RequestFact | undefined {
    return this.#facts.get(ticketId);
  }

  values(): IterableIterator<RequestFact> {
    return this.#facts.values();
  }

  /** The name the CRM gives a service code on its latest request (namesService). */
  serviceName(serviceCode: string): string | undefined {
    return this.#names.get(serviceCode)?.name;
  }

  /**
   * Takes in an event's public facts. Returns why its due date was not believed (to be logged and
   * counted by the caller), or null when it was, or there was none.
   */
  apply(e: CrmFactSource): string | null {
    this.#changes += 1;
    const held = this.#facts.get(e.ticketId);
    const due = this.#judgedDue(e);
    const serviceCode = e.serviceCode ?? held?.serviceCode ?? null;
    // == null: a fact source read with its writer's schema alone may lack the field (the feed
    // reads CRM events conformed to the shipped schema, which gives null).
    const serviceName = e.serviceName == null ? (held?.serviceName ?? null) : scrubPii(e.serviceName);
    const fact: RequestFact = {
      ticketId: e.ticketId,
      serviceCode,
      serviceName,
      channel: e.channel ?? held?.channel ?? null,
      requestKind: e.requestKind ?? held?.requestKind ?? null,
      requestedAt: finite(e.requestedAt) ?? held?.requestedAt ?? null,
      // The processor judges the request time once, when the ticket opens: against the first event.
      reportedAt: held ? held.reportedAt : e.envelope && !isImported(e.envelope) ? finite(e.envelope.occurredAt) : null,
      location: publicLocation(e.location) ?? held?.location ?? null,
      crmDueAt: due.at ?? held?.crmDueAt ?? null,
    };
    this.#facts.set(e.ticketId, fact);
    this.#name(fact);
    return due.doubt;
  }

  /**
   * The CRM's due date as the processor judges a department's expected date (forecastBelievable):
   * one before 2000 or over ten years ahead is a unit slipped (seconds, or microseconds in a plain
   * long), and published it would promise the work for January 1970 or the year 58857. Judged
   * against the event's own time, so every replica restoring the topic judges alike; the clock
   * stands in only for an event without a believable time.
   */
  #judgedDue(e: CrmFactSource): { readonly at: number | null; readonly doubt: string | null } {
    const said = finite(e.crmDueAt);
    if (said === null) return { at: null, doubt: null };
    const occurred = finite(e.envelope?.occurredAt);
    const reference = occurred !== null && occurred >= EARLIEST_EVENT_TIME ? occurred : this.#now();
    if (forecastBelievable(said, reference)) return { at: said, doubt: null };
    return {
      at: null,
      doubt: `crmDueAt ${showTime(said)} is before ${showTime(EARLIEST_EVENT_TIME)} or more than ${MAX_FORECAST_YEARS} years after the event`,
    };
  }

  #name(fact: RequestFact): void {
    const { serviceCode, serviceName } = fact;
    if (serviceCode === null || serviceName === null) return;
    const named = this.#names.get(serviceCode);
    const by = { ticketId: fact.ticketId, requestedAt: factRequestTime(fact) };
    // Not simply the last event read: that depends on the order partitions were read in.
    if (!named || named.by.ticketId === by.ticketId || namesService(by, named.by)) {
      this.#names.set(serviceCode, { name: serviceName, by });
    }
  }

  remove(ticketId: string): boolean {
    this.#changes += 1;
    return this.#facts.delete(ticketId);
  }
}
