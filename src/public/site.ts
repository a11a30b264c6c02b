import { DateTime } from 'luxon';
import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';
import { KPI_DEFINITION_VERSION } from '../domain/kpi/index.ts';
import { latest, type StatusProjection } from '../status-api/projection.ts';
import { factRequestTime, type RequestFact, type RequestFacts } from '../status-api/request-facts.ts';
import { MAX_IDENTIFIER_LENGTH, ticketIdFault } from '../domain/identifiers.ts';
import { expectedDay, isoDateTime } from '../status-api/georeport.ts';
import { isMachinePath, safeDecode } from '../status-api/routes.ts';
import type { SitePage } from '../status-api/server.ts';
import type { DepartmentFigures, PublicFigures } from './figures.ts';
import { figuresCsv, figuresJson } from './open-data.ts';
import { barChart, CLOSURE_WORDS, columnChart, dateTime, day, monthName, percentText, STATE_WORDS } from './words.ts';

export interface Target {
  readonly responsePct?: number | undefined;
  readonly completionPct?: number | undefined;
}

export interface SiteOptions {
  readonly projection: StatusProjection;
  readonly facts: RequestFacts;
  readonly figures: PublicFigures;
  readonly cityName: string;
  readonly targets: Readonly<Record<string, Target>>;
  serviceName(code: string): string | undefined;
}

// Year 0000 is no year luxon formats back as one (it writes -0001); no city has figures for it.
const MONTH = /^(?!0000)\d{4}-(0[1-9]|1[0-2])$/;
// Inline styles only, no script at all: a planted "<script>" could not run even if it got through.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};
const HTML = 'text/html; charset=utf-8';

/**
 * The public web pages of `closeloop public`: tracking a request, the month's performance with
 * its open data, and the departments' on-time figures. Server-rendered HTML, no JavaScript; Eta
 * escapes every value written with `<%=`, so text from the CRM and departments is shown as text.
 */
export function createSite(o: SiteOptions): (url: URL) => SitePage | null {
  const eta = new Eta({ views: fileURLToPath(new URL('./views', import.meta.url)), autoEscape: true, cache: true });
  const zone = o.figures.timeZone;
  const base = { city: o.cityName, timeZone: zone, definitionVersion: KPI_DEFINITION_VERSION, pct: percentText };
  const page = (template: string, status: number, view: string, data: Record<string, unknown>): SitePage => ({
    status,
    template,
    contentType: HTML,
    headers: PAGE_HEADERS,
    body: eta.render(`./${view}`, { ...base, ...data }),
  });
  const problem = (template: string, status: 400 | 404, heading: string, message: string, back = '/') =>
    page(template, status, 'error', {
      title: heading,
      heading,
      message,
      backHref: back,
      backText: back === '/' ? 'Go to the home page' : 'Go back',
    });

  /**
   * The month asked for, this month when none; null when it is not a month, or not one with
   * figures. Any other month would be an empty page, and each one a computation over every request
   * to make and keep: a month chosen afresh for each request must not be able to tie up the server.
   */
  const monthOf = (url: URL): string | null => {
    const given = url.searchParams.getAll('month');
    if (given.length === 0) return o.figures.currentMonth();
    const month = given.length === 1 ? (given[0] ?? '') : '';
    return MONTH.test(month) && o.figures.shows(month) ? month : null;
  };
  const badMonth = (template: string) => {
    const { first, last } = o.figures.monthsShown();
    return problem(
      template,
      400,
      'That is not a month we can show',
      first === last
        ? `Choose a month written as year and month, such as ${last}. There are figures for ${monthName(last)} only.`
        : `Choose a month written as year and month, such as ${last}. There are figures from ${monthName(first)} to ${monthName(last)}.`,
      '/performance',
    );
  };

  const home = (status = 200, error?: string, value?: string): SitePage => {
    // The last whole month: early in a month, this month's figures would read as nothing.
    const month = DateTime.fromFormat(o.figures.currentMonth(), 'yyyy-MM', { zone: 'UTC' })
      .minus({ months: 1 })
      .toFormat('yyyy-MM');
    return page('/', status, 'home', {
      title: 'Track your request',
      maxIdLength: MAX_IDENTIFIER_LENGTH,
      figures: o.figures.month(month),
      monthName: monthName(month),
      error,
      value,
    });
  };

  /** Said to people whose request number can never be one, instead of looking it up. */
  const notAnId = (id: string | null): string => {
    if (id !== null && id.trim() === '') return 'Enter the request number you were given.';
    if (id !== null && id.length > MAX_IDENTIFIER_LENGTH)
      return `A request number has at most ${MAX_IDENTIFIER_LENGTH} characters.`;
    if (id === '.' || id === '..') return 'A request number is more than a dot or two.';
    return 'A request number is written with letters, digits and punctuation only.';
  };

  // The API's rules (any id the bridge holds, taken as it is), so the page finds what search lists.
  const track = (id: string | null): SitePage => {
    if (id === null || ticketIdFault(id) !== null)
      return problem('/track/{id}', 400, 'That is not a request number', notAnId(id));
    const ticket = o.projection.get(id);
    const known = o.facts.get(id);
    if (!ticket && known) return received(id, known);
    if (!ticket) {
      return problem(
        '/track/{id}',
        404,
        'We could not find that request',
        // Not echoed: any text is a well-formed id, and the city's page must not say what a link chose.
        'We have no record of a request with that number. Check the number and try again; a new request can take a few minutes to appear.',
      );
    }
    const now = latest(ticket);
    const fact = o.facts.get(id);
    const code = ticket.serviceCode ?? fact?.serviceCode ?? null;
    const parent = ticket.duplicateOf === null ? undefined : o.projection.get(ticket.duplicateOf);
    const open = now.status === 'open';
    return page('/track/{id}', 200, 'track', {
      title: `Request ${id}`,
      t: {
        id,
        serviceName: fact?.serviceName ?? (code === null ? null : (o.serviceName(code) ?? code)),
        open,
        stateWords: STATE_WORDS[now.lifecycleState],
        note: now.note,
        statusCode: now.statusCode,
        expected: open ? day(expectedDay(ticket, fact), zone) : null,
        closure: ticket.closureReason === null ? null : CLOSURE_WORDS[ticket.closureReason],
        department: ticket.agencyResponsible,
        address: fact?.location?.address ?? null,
        requested: dateTime(ticket.requestedAt ?? (fact ? factRequestTime(fact) : null), zone),
        duplicateOf: ticket.duplicateOf,
        parentWords: parent ? STATE_WORDS[latest(parent).lifecycleState].toLowerCase() : null,
        followUpOf: ticket.followUpOf,
        timeline: [...ticket.history].reverse().map((h) => ({
          iso: isoDateTime(h.updatedAt),
          when: dateTime(h.updatedAt, zone),
          words: STATE_WORDS[h.lifecycleState],
          code: h.statusCode,
          note: h.note,
        })),
      },
    });
  };

  // The CRM knows it but the bridge has sent no status: an information request (answered at first
  // contact, no department work), or a service request moments old.
  const received = (id: string, fact: RequestFact): SitePage => {
    const info = fact.requestKind === 'INFORMATION';
    const at = factRequestTime(fact);
    return page('/track/{id}', 200, 'track', {
      title: `Request ${id}`,
      t: {
        id,
        serviceName:
          fact.serviceName ??
          (fact.serviceCode === null ? null : (o.serviceName(fact.serviceCode) ?? fact.serviceCode)),
        open: !info,
        stateWords: info ? 'Answered at first contact' : 'Received',
        note: info
          ? 'This was a request for information, answered when you contacted us. No work is scheduled.'
          : 'Your request has been received and will be sent to the department shortly.',
        statusCode: null,
        expected: info ? null : day(fact.crmDueAt, zone),
        closure: null,
        department: null,
        address: fact.location?.address ?? null,
        requested: dateTime(at, zone),
        duplicateOf: null,
        parentWords: null,
        followUpOf: null,
        timeline:
          at === null
            ? []
            : [{ iso: isoDateTime(at), when: dateTime(at, zone), words: 'Received', code: null, note: '' }],
      },
    });
  };

  // The month filter offers the months with figures, newest first, at most two years of them: an
  // older one can still be asked for by its address.
  const months = (): { key: string; label: string }[] => {
    const { first, last } = o.figures.monthsShown();
    const now = DateTime.fromFormat(last, 'yyyy-MM', { zone: 'UTC' });
    return Array.from({ length: 24 }, (_, i) => now.minus({ months: i }))
      .map((m) => ({ key: m.toFormat('yyyy-MM'), label: m.toFormat('LLLL yyyy') }))
      .filter((m) => m.key >= first);
  };

  const performance = (month: string): SitePage => {
    const f = o.figures.month(month);
    return page('/performance', 200, 'performance', {
      title: `Performance in ${monthName(month)}`,
      f,
      monthName: monthName(month),
      months: months().some((m) => m.key === month) ? months() : [{ key: month, label: monthName(month) }, ...months()],
      trend: columnChart(o.figures.trend(month)),
      byDepartment: barChart(f.byDepartment),
      byChannel: barChart(f.byChannel),
      topService: barChart(f.topService),
      topInformation: barChart(f.topInformation),
    });
  };

  const knownDepartments = (month: string): string[] =>
    [
      ...new Set(o.figures.trend(month).flatMap((m) => o.figures.month(m.key).departments.map((d) => d.department))),
    ].sort();

  const department = (name: string, month: string): SitePage => {
    // A name no month knows is refused before any month is computed.
    if (!o.figures.hasDepartment(name) || !knownDepartments(month).includes(name))
      return problem(
        '/departments/{name}',
        404,
        'We could not find that department',
        'There are no figures for a department of that name.',
        '/departments',
      );
    const target = o.targets[name] ?? {};
    const rows = o.figures.trend(month).map((m) => {
      const f = o.figures.month(m.key);
      const d: Partial<DepartmentFigures> = f.departments.find((x) => x.department === name) ?? {};
      const below = (pct: number | null | undefined, goal: number | undefined) =>
        goal !== undefined && pct !== null && pct !== undefined && pct < goal;
      return {
        label: m.label,
        // A month without due dates has no KPI record, but its requests still count.
        received: f.byDepartment.find((c) => c.key === name)?.count ?? 0,
        responseDue: d.responseDue ?? 0,
        respondedOnTime: d.respondedOnTime ?? 0,
        respondedOnTimePct: d.respondedOnTimePct ?? null,
        completionDue: d.completionDue ?? 0,
        completedOnTime: d.completedOnTime ?? 0,
        completedOnTimePct: d.completedOnTimePct ?? null,
        resolved: d.resolved ?? 0,
        medianCalendarDaysToResolve: d.medianCalendarDaysToResolve ?? null,
        responseLate: below(d.respondedOnTimePct, target.responsePct),
        completionLate: below(d.completedOnTimePct, target.completionPct),
      };
    });
    return page('/departments/{name}', 200, 'department', {
      title: name,
      department: name,
      month,
      monthName: monthName(month),
      target,
      rows: rows.reverse(),
    });
  };

  const download = (template: string, month: string, type: string, body: string, ext: string): SitePage => ({
    status: 200,
    template,
    contentType: type,
    body,
    headers: {
      'content-disposition': `attachment; filename="closeloop-performance-${month}-v${KPI_DEFINITION_VERSION}.${ext}"`,
    },
  });

  return (url) => {
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return home();
    if (path === '/track') {
      const ids = url.searchParams.getAll('id').map((v) => v.trim());
      const id = ids.length === 1 ? (ids[0] ?? '') : '';
      if (id === '') return home(400, 'Enter the request number you were given.');
      if (ticketIdFault(id) !== null) return home(400, notAnId(id), id);
      return {
        status: 303,
        template: '/track',
        contentType: 'text/plain; charset=utf-8',
        body: '',
        headers: { location: `/track/${encodeURIComponent(id)}` },
      };
    }
    const tracked = /^\/track\/([^/]+)$/.exec(path);
    if (tracked) return track(safeDecode(tracked[1] ?? ''));
    const perf = /^\/performance(\.csv|\.json)?$/.exec(path);
    if (perf) {
      const month = monthOf(url);
      if (month === null) return badMonth('/performance');
      if (perf[1] === '.csv')
        return download(
          '/performance.csv',
          month,
          'text/csv; charset=utf-8',
          figuresCsv(o.figures.month(month)),
          'csv',
        );
      if (perf[1] === '.json')
        return download(
          '/performance.json',
          month,
          'application/json; charset=utf-8',
          figuresJson(o.figures.month(month)),
          'json',
        );
      return performance(month);
    }
    if (path === '/departments') {
      const month = o.figures.currentMonth();
      return page('/departments', 200, 'departments', {
        title: 'Departments',
        monthName: monthName(month),
        departments: knownDepartments(month),
      });
    }
    const dept = /^\/departments\/([^/]+)$/.exec(path);
    if (dept) {
      const month = monthOf(url);
      if (month === null) return badMonth('/departments/{name}');
      return department(safeDecode(dept[1] ?? '') ?? '', month);
    }
    // Machine paths keep the API's GeoReport 404; people get a page.
    if (isMachinePath(path)) return null;
    return problem('unmatched', 404, 'Page not found', 'There is no page at this address.');
  };
}
