import { DateTime } from 'luxon';
import {
  computeKpis,
  dueDayInstant,
  duplicatePlacedAt,
  figuresChangeAt,
  isExcludedFromSla,
  judgedState,
  KPI_DEFINITION_VERSION,
  monthOfInstant,
  monthOpenIn,
  monthRange,
  monthTester,
  nearestRank,
  parseMonth,
  roundTo,
  UNROUTED,
  type KpiTicket,
} from '../domain/kpi/index.ts';
import { EARLIEST_EVENT_TIME } from '../domain/request-time.ts';
import type { Channel } from '../domain/types.ts';
import type { StatusRead } from '../kpi/from-status.ts';
import { KpiTicketFold } from '../kpi/ticket-fold.ts';
import { factRequestTime, namesService, type RequestFacts } from '../status-api/request-facts.ts';

export interface Count {
  readonly key: string;
  readonly label: string;
  readonly count: number;
}

export interface DepartmentFigures {
  readonly department: string;
  readonly received: number;
  readonly responseDue: number;
  readonly respondedOnTime: number;
  readonly respondedOnTimePct: number | null;
  readonly completionDue: number;
  readonly completedOnTime: number;
  readonly completedOnTimePct: number | null;
  readonly resolved: number;
  readonly medianCalendarDaysToResolve: number | null;
}

/** One month of the public figures, as the pages show them and the downloads carry them. */
export interface MonthFigures {
  readonly month: string;
  readonly timeZone: string;
  /** The KPI definition (docs/kpi.md) the on-time figures follow. */
  readonly definitionVersion: number;
  /** The month is not over yet in the city's zone: its figures still move. */
  readonly provisional: boolean;
  readonly received: number;
  readonly service: number;
  readonly information: number;
  /** Requests whose CRM did not say which kind they are (records written before it did). */
  readonly unknownKind: number;
  readonly byDepartment: readonly Count[];
  readonly byChannel: readonly Count[];
  readonly topService: readonly Count[];
  readonly topInformation: readonly Count[];
  readonly departments: readonly DepartmentFigures[];
  /** Calendar days from request to resolution, over requests resolved in the month (no duplicates). */
  readonly medianDaysToClose: number | null;
}

export const TOP = 10;
/** Information requests create no department work; they are counted under this name. */
export const NO_DEPARTMENT = 'none (information)';

const CHANNEL_LABELS: Readonly<Record<Channel, string>> = {
  PHONE: 'Phone',
  WEB: 'Web',
  MOBILE_APP: 'Mobile app',
  EMAIL: 'E-mail',
  WALK_IN: 'Walk-in',
  SOCIAL: 'Social media',
  EMPLOYEE: 'City employee',
  SYSTEM: 'Automatic',
  OTHER: 'Other',
};

interface Row {
  readonly ticketId: string;
  readonly requestedAt: number;
  readonly kind: 'SERVICE' | 'INFORMATION' | null;
  readonly channel: Channel | null;
  readonly code: string | null;
  readonly name: string | null;
  readonly department: string | null;
}

/**
 * Everything read from the inputs at once, by month: a month's figures then look only at the rows
 * and tickets of that month. Built once per change of the inputs, in one pass over them, so a
 * change costs the next page one pass instead of a pass for every month it shows.
 */
interface MonthIndex {
  /** Requests received, by the month (city's zone) they were made in. */
  readonly rows: ReadonlyMap<string, readonly Row[]>;
  /** KPI tickets by every month an instant that computeKpis judges falls in (the ticket's zone). */
  readonly tickets: ReadonlyMap<string, readonly KpiTicket[]>;
  /** Every department any month can name, received requests and KPI records alike. */
  readonly departments: ReadonlySet<string>;
  /** The earliest month with a request received in it; null with no requests at all. */
  readonly firstMonth: string | null;
}

const MONTH_KEY = /^\d{4}-\d{2}$/;

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The public performance figures, per month in the city's zone: volumes from the CRM's facts, and
 * on-time figures under the KPI definition (docs/kpi.md) from the statuses of each ticket, folded
 * as the KPI job folds them (the latest, and the ticket as it stood at its first resolution). Both inputs are
 * read models restored from the topics on start; figures are computed when asked and kept until
 * either input changes or time changes them (a due instant passes, the month ends).
 */
export class PublicFigures {
  readonly #facts: RequestFacts;
  readonly #timeZone: string;
  readonly #now: () => number;
  /** Every status version is folded, as the KPI job does, so the pages agree with its records (R3). */
  readonly #kpi: KpiTicketFold;
  #kpiChanges = 0;
  #seen = -1;
  /** Each month's figures, good until `until` (time moves verdicts and "provisional"). */
  #months = new Map<string, { figures: MonthFigures; until: number }>();
  #index: MonthIndex | null = null;

  constructor(facts: RequestFacts, timeZone: string, now: () => number = Date.now) {
    this.#facts = facts;
    this.#timeZone = timeZone;
    this.#now = now;
    this.#kpi = new KpiTicketFold(timeZone);
  }

  get timeZone(): string {
    return this.#timeZone;
  }

  /**
   * A status of a ticket, for its department and SLA clocks: the latest version counts, and the
   * first version with a resolution says how R3 judges the ticket; any other changes nothing.
   */
  applyStatus(record: StatusRead): void {
    if (this.#kpi.apply(record)) this.#kpiChanges += 1;
  }

  removeTicket(ticketId: string): void {
    if (this.#kpi.remove(ticketId)) this.#kpiChanges += 1;
  }

  /** The month now in the city's zone, YYYY-MM. */
  currentMonth(): string {
    return DateTime.fromMillis(this.#now(), { zone: this.#timeZone }).toFormat('yyyy-MM');
  }

  /**
   * The months there are figures for, oldest and newest: from the first request received to this
   * month. Any other month would only be empty, and each one asked for is a computation to make
   * and keep; the pages refuse them.
   */
  monthsShown(): { readonly first: string; readonly last: string } {
    const last = this.currentMonth();
    const first = this.#indexed().firstMonth;
    return { first: first === null || first > last ? last : first, last };
  }

  /** Whether `month` (YYYY-MM) is one of monthsShown(). */
  shows(month: string): boolean {
    const { first, last } = this.monthsShown();
    return month >= first && month <= last;
  }

  /** Whether any month has figures for a department of that name; cheap, for refusing others first. */
  hasDepartment(name: string): boolean {
    return this.#indexed().departments.has(name);
  }

  /** Requests received per month, for the months ending with `month`, oldest first. */
  trend(month: string, months = 12): Count[] {
    const rows = this.#indexed().rows;
    const { year, month: m } = parseMonth(month);
    const end = DateTime.fromObject({ year, month: m, day: 1 }, { zone: this.#timeZone });
    return Array.from({ length: months }, (_, i) => {
      const at = end.minus({ months: months - 1 - i });
      const key = at.toFormat('yyyy-MM');
      return { key, label: at.toFormat('LLL yyyy'), count: rows.get(key)?.length ?? 0 };
    });
  }

  month(month: string): MonthFigures {
    const index = this.#indexed();
    const now = this.#now();
    const cached = this.#months.get(month);
    if (cached && now < cached.until) return cached.figures;
    const figures = this.#compute(month, now);
    const zones = zonesOf(index.tickets.get(month) ?? [], this.#timeZone);
    const end = Math.max(...zones.map((z) => monthRange(parseMonth(month), z)[1]));
    // Provisional through `end` itself (see #compute): the flag changes the instant after.
    const until = Math.min(
      now <= end ? end + 1 : Infinity,
      figuresChangeAt(index.tickets.get(month) ?? [], month, now),
    );
    this.#months.set(month, { figures, until });
    return figures;
  }

  #indexed(): MonthIndex {
    const changes = this.#facts.changes + this.#kpiChanges;
    if (changes !== this.#seen || !this.#index) {
      this.#seen = changes;
      this.#months = new Map();
      this.#index = this.#build();
    }
    return this.#index;
  }

  #build(): MonthIndex {
    const monthOf = monthOfInstant();
    const rows = new Map<string, Row[]>();
    const departments = new Set<string>();
    let firstMonth: string | null = null;
    for (const r of this.#rows()) {
      const key = monthOf(r.requestedAt, this.#timeZone);
      push(rows, key, r);
      departments.add(r.department ?? UNROUTED);
      // A time no source meant (before 2000, or past what a date can hold) would stretch the months
      // shown back to it; the row still counts in whichever month it names.
      if (r.requestedAt >= EARLIEST_EVENT_TIME && MONTH_KEY.test(key) && (firstMonth === null || key < firstMonth))
        firstMonth = key;
    }
    const tickets = new Map<string, KpiTicket[]>();
    for (const t of this.#kpi.tickets()) {
      departments.add(t.department ?? UNROUTED);
      // Where computeKpis counts a resolved ticket, which a reopen routed elsewhere does not move.
      departments.add(judgedState(t).department ?? UNROUTED);
      // The instants computeKpis and the median to close test against the month, nothing else; a
      // due instant by the day it fell due on, as computeKpis places it.
      const due = (at: number | null) => (at === null ? null : dueDayInstant(at));
      const instants = [duplicatePlacedAt(t), due(t.responseDueAt), due(t.completionDueAt), t.resolvedAt];
      const keys = new Set(
        instants.filter((at): at is number => at !== null && Number.isFinite(at)).map((at) => monthOf(at, t.timeZone)),
      );
      for (const key of keys) push(tickets, key, t);
    }
    return { rows, tickets, departments, firstMonth };
  }

  /** One row per request received: the CRM's facts, else what the status says. */
  *#rows(): Generator<Row> {
    for (const f of this.#facts.values()) {
      const t = this.#kpi.get(f.ticketId);
      // The status's request time is the processor's judgement of the CRM's (a time it does not
      // believe is replaced), so the month agrees with the KPI job's; without a status, the same rule.
      const requestedAt = t?.requestedAt ?? factRequestTime(f);
      if (requestedAt === null) continue;
      const department = f.requestKind === 'INFORMATION' ? NO_DEPARTMENT : (t?.department ?? null);
      const code = f.serviceCode ?? t?.serviceCode ?? null;
      const name = f.serviceName;
      yield { ticketId: f.ticketId, requestedAt, kind: f.requestKind, channel: f.channel, code, name, department };
    }
    for (const t of this.#kpi.tickets()) {
      if (this.#facts.get(t.ticketId) || t.requestedAt === null) continue;
      yield {
        ticketId: t.ticketId,
        requestedAt: t.requestedAt,
        kind: null,
        channel: null,
        code: t.serviceCode,
        name: null,
        department: t.department,
      };
    }
  }

  #compute(month: string, now: number): MonthFigures {
    const inMonth = monthTester(parseMonth(month));
    const zone = this.#timeZone;
    const index = this.#indexed();
    const rows = index.rows.get(month) ?? [];
    const tally = (pick: (r: Row) => string | null, label: (key: string) => string, of = rows) => {
      const counts = new Map<string, number>();
      for (const r of of) {
        const key = pick(r) ?? 'unknown';
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      // Ties in code-unit order, as kpi volume breaks them: the locale's order follows LANG, and
      // open data must come out the same on every replica.
      return [...counts]
        .map(([key, count]) => ({ key, label: label(key), count }))
        .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    };
    // A service goes by the name on its latest request, not on whichever was read last.
    const named = new Map<string, Row>();
    for (const r of rows) {
      if (!r.code || !r.name) continue;
      const held = named.get(r.code);
      if (!held || namesService(r, held)) named.set(r.code, r);
    }
    const names = new Map([...named].map(([code, r]) => [code, r.name as string]));
    const service = rows.filter((r) => r.kind !== 'INFORMATION');
    const information = rows.filter((r) => r.kind === 'INFORMATION');
    const byDepartment = tally(
      (r) => r.department ?? UNROUTED,
      (k) => k,
    );
    const received = new Map(byDepartment.map((c) => [c.key, c.count]));
    const tickets = index.tickets.get(month) ?? [];
    const kpis = computeKpis(tickets, [], month, now, zone);
    const departments = kpis.map((k) => ({
      department: k.department,
      received: received.get(k.department) ?? 0,
      responseDue: k.responseDue,
      respondedOnTime: k.respondedOnTime,
      respondedOnTimePct: k.respondedOnTimePct,
      completionDue: k.completionDue,
      completedOnTime: k.completedOnTime,
      completedOnTimePct: k.completedOnTimePct,
      resolved: k.resolved,
      medianCalendarDaysToResolve: k.medianCalendarDaysToResolve,
    }));
    // R6's population, with R3's exclusions as the KPI module judges them (duplicates, follow-ups,
    // cancellations, as they stood at their first resolution): the footer names that definition,
    // and a follow-up closed with its original in an hour would pull the city's median down.
    const closeDays = tickets
      .filter((t) => !isExcludedFromSla(t) && inMonth(t.resolvedAt, t.timeZone) && t.calendarDaysToResolve !== null)
      .map((t) => t.calendarDaysToResolve as number);
    const median = nearestRank(closeDays, 50);
    return {
      month,
      timeZone: zone,
      definitionVersion: KPI_DEFINITION_VERSION,
      // Each ticket's month is judged in its own calendar's zone (R1): the month is final only
      // once it is over in all of them, as the KPI job says (monthOpenIn).
      provisional: monthOpenIn(parseMonth(month), zonesOf(tickets, zone), now) !== null,
      received: rows.length,
      service: service.filter((r) => r.kind === 'SERVICE').length,
      information: information.length,
      unknownKind: rows.filter((r) => r.kind === null).length,
      byDepartment,
      byChannel: tally(
        (r) => r.channel,
        (k) => CHANNEL_LABELS[k as Channel] ?? 'Not recorded',
      ),
      topService: tally(
        (r) => r.code,
        (k) => names.get(k) ?? k,
        service,
      ).slice(0, TOP),
      topInformation: tally(
        (r) => r.code,
        (k) => names.get(k) ?? k,
        information,
      ).slice(0, TOP),
      departments,
      medianDaysToClose: median === null ? null : roundTo(median, 1),
    };
  }
}

/** The city's zone and those of the month's tickets' calendars, once each. */
function zonesOf(tickets: readonly KpiTicket[], zone: string): string[] {
  return [...new Set([zone, ...tickets.map((t) => t.timeZone)])];
}
