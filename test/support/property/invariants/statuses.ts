/**
 * Invariants of the statuses a decision sends, after those sent before: versions (§3 rule 7), the
 * close gate (§3 rule 1), sticky terminal states (rule 6), plain words without contact data (§5),
 * and duplicates that show their parent (rule 4).
 */
import type { Decision, TicketStatusChange } from '../../../../src/domain/index.ts';
import { IMPORTED_VERSION_BASE } from '../../../../src/domain/publish.ts';
import { brief, check, closedState, TERMINAL_WORK } from '../check.ts';
import { EMAIL, PHONE } from '../vocabulary.ts';

/**
 * Checks each status `d` sends, after `sent` (the ticket's statuses so far); raisedTo is
 * CRM_AHEAD's version, when reconciliation raises it.
 */
export function checkStatuses(
  sent: readonly TicketStatusChange[],
  d: Decision,
  raisedTo: number | null,
  ctxOf: object,
): void {
  const versions = [...sent, ...d.statuses].map((x) => x.version);
  let last = sent.at(-1) ?? null;
  for (const s of d.statuses) {
    checkVersion(s, last, raisedTo, versions, ctxOf);
    checkCloseGate(s, ctxOf);
    checkStickyStates(s, last, ctxOf);
    checkWords(s, ctxOf);
    checkLinksShown(s, ctxOf);
    last = s;
  }
  // The CRM shows the real status (§3, rule 7): what the ticket is, the last status sent says.
  if (d.state && last) {
    check(d.state.version === last.version, 'state version is not that of the last status sent', ctxOf);
    check(d.state.state === last.lifecycleState, 'state is not what the last status sent shows', ctxOf);
  }
}

/** §3 rule 7: versions per ticket increase by one per status sent, from 1 (history from its base). */
function checkVersion(
  s: TicketStatusChange,
  last: TicketStatusChange | null,
  raisedTo: number | null,
  versions: readonly number[],
  ctxOf: object,
): void {
  const history = s.envelope.origin === 'import';
  check(!history || last === null || last.envelope.origin === 'import', 'history status after a live one', {
    s,
    last,
  });
  const base = history ? IMPORTED_VERSION_BASE : 0;
  const previous = last === null || (!history && last.envelope.origin === 'import') ? base : last.version;
  // Reconciliation's CRM_AHEAD raises the version to the CRM's, the one gap the design makes.
  const expected = raisedTo !== null && raisedTo > previous ? raisedTo + 1 : previous + 1;
  check(s.version === expected, `status version ${s.version}, expected ${expected}`, {
    versions,
    ...ctxOf,
  });
}

function checkCloseGate(s: TicketStatusChange, ctxOf: object): void {
  // §3 rule 1 and §5: closed is RESOLVED or CANCELLED; every other state is sent as open.
  const closed = closedState(s.lifecycleState);
  check((s.crmStatus === 'CLOSED') === closed, `${s.lifecycleState} sent as ${s.crmStatus}`, ctxOf);
  if (s.crmStatus === 'CLOSED') {
    // §3 rule 1, the close gate: every work order terminal, and one completed or a reason.
    const open = s.workOrders.filter((w) => !TERMINAL_WORK.includes(w.state));
    check(open.length === 0, 'closed with a work order open', { status: brief(s), ...ctxOf });
    const completed = s.workOrders.some((w) => w.state === 'COMPLETED');
    check(s.closureReason !== null, 'closed without a closure reason', { status: brief(s), ...ctxOf });
    check(completed || s.closureReason !== 'WORK_COMPLETED', 'closed as WORK_COMPLETED with no work order completed', {
      status: brief(s),
      ...ctxOf,
    });
  } else {
    check(s.closureReason === null, 'an open status with a closure reason', { status: brief(s), ...ctxOf });
  }
}

/** §3 rule 6: terminal states are sticky, RESOLVED leaving only through REOPENED (rule 5). */
function checkStickyStates(s: TicketStatusChange, last: TicketStatusChange | null, ctxOf: object): void {
  if (last && last.lifecycleState === 'CANCELLED' && last.envelope.origin === s.envelope.origin) {
    check(s.lifecycleState === 'CANCELLED', `CANCELLED ticket moved to ${s.lifecycleState}`, ctxOf);
  }
  if (last && last.lifecycleState === 'RESOLVED') {
    check(
      s.lifecycleState === 'RESOLVED' || s.lifecycleState === 'REOPENED',
      `RESOLVED ticket moved to ${s.lifecycleState}`,
      { from: brief(last), to: brief(s), ...ctxOf },
    );
  }
  const ids = s.workOrders.map((w) => w.workOrderId);
  check(new Set(ids).size === ids.length, 'a status lists a work order twice', { ids, ...ctxOf });
}

/** §3 rule 1, §5: every status has a public code and a note in plain words; no contact data. */
function checkWords(s: TicketStatusChange, ctxOf: object): void {
  check(s.publicStatusCode !== '' && s.statusNote.trim() !== '', 'a status without code or note', ctxOf);
  const text = `${s.statusNote} ${s.closureNote ?? ''}`;
  check(!text.includes(PHONE) && !text.includes(EMAIL), 'contact data in a status', { text, ...ctxOf });
}

/** §3 rule 4: duplicates are links, not closures: a live duplicate shows its parent. */
function checkLinksShown(s: TicketStatusChange, ctxOf: object): void {
  if (s.envelope.origin === 'import') return;
  const dup = s.lifecycleState === 'DUPLICATE' || s.closureReason === 'DUPLICATE';
  check(!dup || s.duplicateOf !== null, 'a duplicate status names no parent', { status: brief(s), ...ctxOf });
  const followUp = s.closureReason === 'FOLLOW_UP';
  check(!followUp || s.followUpOf !== null, 'a follow-up closure names no original', ctxOf);
}
