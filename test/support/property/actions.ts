/**
 * Actions, as fast-check generates and shrinks them; turned into events when run
 * (./events.ts, ./scenario.ts).
 */
import fc from 'fast-check';
import { CLOSURE_REASONS, CRM_EVENT_KINDS, type ClosureReason } from '../../../src/domain/index.ts';
import {
  DEPARTMENTS,
  EMAIL,
  HOUR,
  NOW,
  PHONE,
  SYSTEMS,
  TICKETS,
  UNMAPPED,
  type Origin,
  type Position,
  type System,
  type Ticket,
} from './vocabulary.ts';

export interface CrmAction {
  readonly t: 'crm';
  readonly ticket: Ticket;
  readonly kind: (typeof CRM_EVENT_KINDS)[number];
  readonly serviceCode: string | null;
  readonly duplicateOf: string | null;
  readonly followUpOf: string | null;
  readonly closureReason: ClosureReason | null;
  readonly information: boolean;
  readonly note: string | null;
  readonly position: Position;
  readonly origin: Origin;
  readonly crmStatusVersion: number | null;
}

export interface DeptAction {
  readonly t: 'dept';
  readonly ticket: Ticket;
  /** 1–3: the bridge's `<ticket>#n`; 0: an id the department made up. */
  readonly wo: number;
  /** Sent by the system and department the work order was created for, when the ticket holds it. */
  readonly asRouted: boolean;
  /** About one of the work orders the ticket holds (the pick-th), rather than `wo`, when it holds any. */
  readonly held: boolean;
  readonly pick: number;
  readonly system: System | 'cityworks';
  readonly code: string;
  readonly department: string;
  readonly systemClosed: boolean;
  readonly expectedIn: number | null;
  readonly position: Position;
  readonly origin: Exclude<Origin, 'import'>;
}

export interface OperatorAction {
  readonly t: 'operator';
  readonly ticket: Ticket;
  readonly wo: number | null;
}

/** The k-th input decided so far (modulo their number), sent again as it was. */
export interface ReplayAction {
  readonly t: 'replay';
  readonly k: number;
}

/** Another event under the id of the k-th input decided so far. */
export interface ReuseAction {
  readonly t: 'reuse';
  readonly k: number;
  readonly event: CrmAction | DeptAction;
}

/** The next link message waiting for a ticket. */
export interface DeliverAction {
  readonly t: 'deliver';
  readonly ticket: Ticket;
}

export interface TickAction {
  readonly t: 'tick';
  readonly hours: number;
}

export type Action = CrmAction | DeptAction | OperatorAction | ReplayAction | ReuseAction | DeliverAction | TickAction;

/** A policy (its index in scenarioPolicies()), and the actions run on it. */
export interface Scenario {
  readonly policyIndex: number;
  readonly actions: readonly Action[];
}

const ticketArb = (n: number) => fc.constantFrom(...TICKETS.slice(0, n));

const positionArb: fc.Arbitrary<Position> = fc.oneof(
  { weight: 24, arbitrary: fc.constant('next' as const) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 12 }).map((seq) => ({ seq })) },
  { weight: 3, arbitrary: fc.integer({ min: -48, max: 2 }).map((h) => ({ at: NOW + h * HOUR })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Position>(
      { seq: 10_000_000 },
      { seq: Number.NaN },
      { seq: -5 },
      { at: NOW + 400 * 24 * HOUR },
      { at: Number.NaN },
    ),
  },
);

function crmArb(n: number): fc.Arbitrary<CrmAction> {
  const other = fc.oneof(ticketArb(n), fc.constantFrom('GHOST'));
  return fc.record({
    t: fc.constant('crm' as const),
    ticket: ticketArb(n),
    kind: fc.oneof(
      { weight: 4, arbitrary: fc.constant('OPENED' as const) },
      { weight: 6, arbitrary: fc.constantFrom(...CRM_EVENT_KINDS) },
    ),
    serviceCode: fc.constantFrom('POTHOLE', 'WATER', 'GRASS', 'DUMPING', 'POTHOLE', 'DUMPING', 'NOISE', null),
    duplicateOf: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: other }),
    followUpOf: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: other }),
    closureReason: fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.constantFrom(...CLOSURE_REASONS) },
    ),
    information: fc.nat({ max: 9 }).map((x) => x === 0),
    note: fc.option(fc.constantFrom('Citizen called again.', `Call ${PHONE}.`, `Write to ${EMAIL}.`), { freq: 2 }),
    position: positionArb,
    origin: fc.oneof(
      { weight: 14, arbitrary: fc.constant('live' as const) },
      { weight: 2, arbitrary: fc.constantFrom('import' as const, 'reconcile' as const) },
      { weight: 1, arbitrary: fc.constant('echo' as const) },
    ),
    crmStatusVersion: fc.option(fc.integer({ min: 0, max: 12 }), { freq: 2 }),
  });
}

function deptArb(n: number): fc.Arbitrary<DeptAction> {
  return fc
    .record({
      t: fc.constant('dept' as const),
      ticket: ticketArb(n),
      wo: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) }),
      system: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom<System>('maximo', 'posse', 'sap-pm') },
        { weight: 1, arbitrary: fc.constant('cityworks' as const) },
      ),
      asRouted: fc.nat({ max: 4 }).map((x) => x > 0),
      held: fc.boolean(),
      pick: fc.nat(),
      unmapped: fc.nat({ max: 15 }),
      otherDepartment: fc.nat({ max: 9 }),
      systemClosed: fc.nat({ max: 7 }).map((x) => x === 0),
      expectedIn: fc.option(fc.integer({ min: -2, max: 30 }), { freq: 3 }),
      position: positionArb,
      origin: fc.oneof(
        { weight: 14, arbitrary: fc.constant('live' as const) },
        { weight: 2, arbitrary: fc.constant('reconcile' as const) },
        { weight: 1, arbitrary: fc.constant('echo' as const) },
      ),
    })
    .map(({ unmapped, otherDepartment, ...a }) => {
      const pick = a.pick;
      const codes: readonly string[] = a.system === 'cityworks' ? ['OPEN'] : SYSTEMS[a.system];
      const code = unmapped === 0 ? (UNMAPPED[pick % UNMAPPED.length] ?? 'BOGUS') : (codes[pick % codes.length] ?? '');
      const departments = a.system === 'cityworks' ? ['parks'] : DEPARTMENTS[a.system];
      const department = otherDepartment === 0 ? 'parks' : (departments[pick % departments.length] ?? 'parks');
      return { ...a, code, department };
    });
}

function actionArb(n: number): fc.Arbitrary<Action> {
  return fc.oneof(
    { weight: 8, arbitrary: crmArb(n) },
    { weight: 12, arbitrary: deptArb(n) },
    { weight: 8, arbitrary: ticketArb(n).map((ticket): DeliverAction => ({ t: 'deliver', ticket })) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('operator' as const),
        ticket: ticketArb(n),
        wo: fc.option(fc.integer({ min: 0, max: 2 })),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('replay' as const), k: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('reuse' as const), k: fc.nat(), event: fc.oneof(crmArb(n), deptArb(n)) }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 200 }) }) },
  );
}

/** A policy, 2–4 tickets, most opened first, and a sequence of at most `length` actions over them. */
export function scenarioArb(length: number): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc
      .tuple(
        fc.nat({ max: 2 }),
        fc.uniqueArray(crmArb(n), { minLength: 2, maxLength: n, selector: (a) => a.ticket }),
        fc.array(actionArb(n), { minLength: 1, maxLength: length }),
      )
      .map(([policyIndex, opened, actions]) => ({
        policyIndex,
        actions: [
          ...opened.map((a): CrmAction => ({ ...a, kind: 'OPENED', origin: 'live', position: 'next' })),
          ...actions,
        ],
      })),
  );
}
