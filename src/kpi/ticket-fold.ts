import { isDuplicateView, isExcludedView, type KpiResolutionView, type KpiTicket } from '../domain/kpi/index.ts';
import { ticketFromStatus, type StatusRead } from './from-status.ts';

/**
 * Consecutive status versions (from…to) alike for R3 and R8: whether the ticket stood excluded, and
 * a duplicate, then. Versions go up by one per status, so a ticket's statuses make a few runs, not
 * one entry each: the public site folds every status of every ticket it has ever seen.
 */
interface Run {
  readonly from: number;
  readonly to: number;
  readonly excluded: boolean;
  readonly duplicate: boolean;
  /** The instant (the envelope's) of the status `from`. */
  readonly at: number;
}
interface Held {
  /** Version of the latest status seen. */
  readonly version: number;
  /** The latest status's view, with the first resolution's attached. */
  readonly ticket: KpiTicket;
  /** The lowest version seen with a resolution, and the ticket as it stood there. */
  readonly resolution: { readonly version: number; readonly view: KpiResolutionView } | null;
  /** Every version seen, in runs by version: when the ticket became excluded, or a duplicate, is read off them. */
  readonly runs: readonly Run[];
}

const viewOf = (t: KpiTicket): KpiResolutionView => ({
  department: t.department,
  lifecycleState: t.lifecycleState,
  closureReason: t.closureReason,
  duplicateOf: t.duplicateOf,
  followUpOf: t.followUpOf,
});

const alike = (a: Run, b: Run): boolean => a.excluded === b.excluded && a.duplicate === b.duplicate;

/**
 * `runs` with version `r.from` (= `r.to`) in its place, joined to a run it continues or that
 * continues it; the same array when that version is already there.
 */
function withVersion(runs: readonly Run[], r: Run): readonly Run[] {
  let i = runs.length;
  while (i > 0 && (runs[i - 1]?.from ?? -Infinity) > r.from) i--;
  const before = runs[i - 1];
  if (before && before.to >= r.from) return runs;
  const after = runs[i];
  let run = r;
  let start = i;
  let end = i;
  if (before && before.to === r.from - 1 && alike(before, r)) [run, start] = [{ ...before, to: r.to }, i - 1];
  if (after && after.from === r.to + 1 && alike(after, r)) [run, end] = [{ ...run, to: after.to }, i + 1];
  return [...runs.slice(0, start), run, ...runs.slice(end)];
}

/**
 * The instant the run of versions standing so (`so`) that ends at version `judged` began: that of
 * its lowest version with no version in between that did not. Null when `judged` itself does not.
 */
function since(runs: readonly Run[], judged: number, so: (r: Run) => boolean): number | null {
  let at: number | null = null;
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i];
    if (!r || r.from > judged) continue;
    if (!so(r)) break;
    at = r.at;
  }
  return at;
}

/**
 * Every status of every ticket folded into its KPI view. The status topic keeps every version, so
 * a reader from its beginning sees the latest status and also the ticket as it stood at its first
 * resolution, which R3 judges it by (docs/kpi.md): a cancel or a duplicate link after a reopen
 * must not take that resolution out of a month already published. It also sees when the ticket
 * became cancelled, a duplicate or a follow-up, so a target that fell due before keeps its verdict
 * (R3), and when it became a duplicate, which places it in R8. Versions, not arrival order, decide
 * all of these; a repeat of one changes nothing.
 */
export class KpiTicketFold {
  readonly #held = new Map<string, Held>();
  readonly #fallbackZone: string;

  /** `fallbackZone` places tickets whose status names no SLA calendar (ticketFromStatus). */
  constructor(fallbackZone: string) {
    this.#fallbackZone = fallbackZone;
  }

  /**
   * Folds one status in; true when the ticket's view changed. A record that makes no sense throws
   * (ticketFromStatus), whatever its version, so the caller counts it instead of folding it.
   */
  apply(s: StatusRead): boolean {
    const ticket = ticketFromStatus(s, this.#fallbackZone);
    const held = this.#held.get(s.ticketId);
    const view = viewOf(ticket);
    const step = {
      from: s.version,
      to: s.version,
      excluded: isExcludedView(view),
      duplicate: isDuplicateView(view),
      at: s.envelope.occurredAt,
    };
    const runs = withVersion(held?.runs ?? [], step);
    const newer = !held || s.version > held.version;
    const earlierResolution = ticket.resolvedAt !== null && (!held?.resolution || s.version < held.resolution.version);
    if (!newer && !earlierResolution && runs === held?.runs) return false;
    const resolution = earlierResolution ? { version: s.version, view: viewOf(ticket) } : (held?.resolution ?? null);
    const latest = newer || !held ? ticket : held.ticket;
    const version = newer || !held ? s.version : held.version;
    // R3 judges a resolved ticket as it stood at its first resolution, else as it stands now.
    const judged = latest.resolvedAt !== null && resolution ? resolution.version : version;
    const atResolution = resolution?.view ?? null;
    const next = {
      ...latest,
      atResolution,
      excludedSince: since(runs, judged, (x) => x.excluded),
      duplicateSince: since(runs, judged, (x) => x.duplicate),
    };
    const changed =
      newer ||
      earlierResolution ||
      next.excludedSince !== held?.ticket.excludedSince ||
      next.duplicateSince !== held.ticket.duplicateSince;
    this.#held.set(s.ticketId, { version, ticket: next, resolution, runs });
    return changed;
  }

  /** Forgets a ticket (its tombstone); true when it was held. */
  remove(ticketId: string): boolean {
    return this.#held.delete(ticketId);
  }

  get(ticketId: string): KpiTicket | undefined {
    return this.#held.get(ticketId)?.ticket;
  }

  *tickets(): Generator<KpiTicket> {
    for (const h of this.#held.values()) yield h.ticket;
  }
}
