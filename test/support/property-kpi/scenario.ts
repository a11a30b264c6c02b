/**
 * A month's inputs: tickets' status versions, violations (KPI kinds and others, refused links of
 * both kinds and none), drift found by one run or several, the jurisdiction's zone, the month and
 * a "now" near its end or long after. And the way the KPI job reads them: every status folded
 * (KpiTicketFold), in whatever order and as often as the topic delivers them.
 */
import fc from 'fast-check';
import { computeKpis, type KpiDrift, type KpiRecord, type KpiViolation } from '../../../src/domain/kpi/index.ts';
import { VIOLATION_KINDS, type ViolationKind } from '../../../src/domain/types.ts';
import { KpiTicketFold, type StatusRead } from '../../../src/kpi/index.ts';
import { DEPARTMENTS, planArb, statusesOf } from './history.ts';
import { DAY, MONTHS, ZONES, instantNear } from './instants.ts';

export interface Scenario {
  readonly month: string;
  readonly zone: string;
  readonly tickets: readonly (readonly StatusRead[])[];
  readonly violations: readonly KpiViolation[];
  readonly drift: readonly KpiDrift[];
  readonly now: number;
}

const departmentArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom<string | null>(...DEPARTMENTS) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** KPI kinds most often; the others must be ignored. */
const kindArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<ViolationKind>(
      'PREMATURE_CLOSE',
      'MISROUTE',
      'MISSING_PARENT',
      'UNKNOWN_PARENT',
      'PARENT_IS_DUPLICATE',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...VIOLATION_KINDS) },
);

export const violationsArb = (month: string, zone: string) =>
  fc.array(
    fc.record({
      ticketId: fc.constantFrom('T0', 'T1', 'V9'),
      kind: kindArb,
      department: departmentArb,
      occurredAt: instantNear(month, zone),
      linkType: fc.constantFrom('DUPLICATE' as const, 'FOLLOW_UP' as const, null),
    }),
    { maxLength: 6 },
  );

/** A drift's kind and department are the same at every finding (docs/kpi.md R11 names one of each). */
export const driftArb = (month: string, zone: string) =>
  fc
    .array(
      fc.record({
        id: fc.constantFrom('d1', 'd2', 'd3'),
        findings: fc.array(instantNear(month, zone), { minLength: 1, maxLength: 3 }),
      }),
      { maxLength: 3 },
    )
    .chain((drifts) =>
      fc.tuple(
        ...drifts.map((d) =>
          fc
            .record({ kind: fc.constantFrom('CRM_CLOSED_BY_HAND', 'LOST_EVENT'), department: departmentArb })
            .map(({ kind, department }) =>
              d.findings.map((occurredAt) => ({ driftId: d.id, kind, department, occurredAt })),
            ),
        ),
      ),
    )
    // The same id drawn twice is one drift: the first draw's kind and department hold.
    .map((lists) => {
      const kinds = new Map<string, KpiDrift>();
      return lists.flat().map((d) => {
        const first = kinds.get(d.driftId) ?? (kinds.set(d.driftId, d), d);
        return { ...d, kind: first.kind, department: first.department };
      });
    });

/** `busy`: up to `maxTickets` more, each resolving near its due in one department (R6's ranks). */
export const scenarioArb = (maxTickets = 8, busy = 0): fc.Arbitrary<Scenario> =>
  fc.record({ month: fc.constantFrom(...MONTHS), zone: fc.constantFrom(...ZONES) }).chain(({ month, zone }) =>
    fc.record({
      month: fc.constant(month),
      zone: fc.constant(zone),
      tickets: fc
        .tuple(
          fc.array(planArb(month), { maxLength: maxTickets }),
          fc.array(planArb(month, true), { minLength: busy / 2, maxLength: busy }),
        )
        .map(([plans, busyPlans]) => [...plans, ...busyPlans])
        .map((plans) => plans.map((p, i) => statusesOf(`T${i}`, p))),
      violations: violationsArb(month, zone),
      drift: driftArb(month, zone),
      now: fc.tuple(instantNear(month, zone), fc.constantFrom(0, 0, DAY, 45 * DAY)).map(([t, later]) => t + later),
    }),
  );

/** The KPI view of the tickets, as the job folds every status it reads, in the order given. */
export function fold(statuses: Iterable<StatusRead>, zone: string) {
  const f = new KpiTicketFold(zone);
  for (const s of statuses) f.apply(s);
  return [...f.tickets()];
}

/** Month M's records computed as the job does, from the statuses in version order. */
export function computed(s: Scenario, o: { month?: string; now?: number } = {}): KpiRecord[] {
  return computeKpis(fold(s.tickets.flat(), s.zone), s.violations, o.month ?? s.month, o.now ?? s.now, s.zone, s.drift);
}

/** A shuffle driven by one drawn number, so a failing order replays from the seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let x = seed >>> 0 || 1;
  const next = () => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0), x / 2 ** 32);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
