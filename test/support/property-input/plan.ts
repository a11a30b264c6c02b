/**
 * What the input fuzzing sends (test/unit/processor/input.property.test.ts): phases of records
 * to the processor's input topics, each a well-formed event as a city's CRM or department
 * system writes it, or one such event spoilt as a foreign client might spoil it (./faults.ts).
 * Phases alternate CRM and department events, and the runner waits for each to be read before
 * the next: across topics the processor's order is not the order sent, and the pure model the
 * statuses are compared with must see the records of one ticket in the processor's order.
 */
import fc from 'fast-check';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { crm, dept } from '../domain.ts';
import { EMAIL, NOW, PHONE, SYSTEMS } from '../property/vocabulary.ts';
import { fault, wireFault, type Fault } from './faults.ts';

/** A ticket, its service code and so the department system its work order is routed to. */
export const TICKETS = ['Q-1', 'Q-2', 'Q-3'] as const;
const ROUTES = { POTHOLE: 'maximo', WATER: 'sap-pm', GRASS: 'posse' } as const;
const DEPARTMENT = { maximo: 'transportation', 'sap-pm': 'public-works', posse: 'housing' } as const;
type Service = keyof typeof ROUTES;

/** Text a citizen may write into a request, contact data included, which nothing may repeat. */
export const CONTACT = [PHONE, EMAIL] as const;
const text = fc.constantFrom(null, 'A deep hole.', `Call me at ${PHONE}.`, `Mail ${EMAIL} please`, `é ${PHONE} ✓`);

/** One CRM or department fact, before it is given an envelope. */
export type Fact =
  | { t: 'crm'; ticket: number; kind: 'OPENED' | 'UPDATED' | 'RESOLVED' | 'CANCELLED'; text: string | null }
  | { t: 'dept'; ticket: number; code: number; unmapped: boolean; text: string | null };

const ticket = fc.nat({ max: TICKETS.length - 1 });
const crmFact = fc.record({
  t: fc.constant('crm' as const),
  ticket,
  kind: fc.oneof(
    { arbitrary: fc.constantFrom('OPENED' as const, 'UPDATED' as const), weight: 3 },
    { arbitrary: fc.constantFrom('RESOLVED' as const, 'CANCELLED' as const), weight: 1 },
  ),
  text,
});
const deptFact = fc.record({ t: fc.constant('dept' as const), ticket, code: fc.nat(20), unmapped: fc.boolean(), text });

/** A record of a phase: a fact sent as it is, or spoilt. */
export interface Item {
  readonly fact: Fact;
  readonly fault: Fault | null;
  /**
   * Written to the other partition than its key's, as a producer with another partitioner does:
   * forwarded to the repartition topic and dead-lettered from there. Only a record that must be
   * dead-lettered is: a taken one would be decided after the ticket's later records.
   */
  readonly misplaced?: boolean;
}

const item = (facts: fc.Arbitrary<Fact>) =>
  fc.record({
    fact: facts,
    fault: fc.option(fault, { freq: 2, nil: null }),
    misplaced: fc.boolean(),
  });

/** The inputs only closeloop writes, which a foreign client may still write to by mistake. */
export const OWN_INPUTS = ['links', 'operatorCommands', 'deliveries'] as const;

/**
 * A record sent to one of OWN_INPUTS: a fact's CRM or department record, as it is (another
 * topic's record) or with its wire format spoilt; never one that could read as that input's.
 */
export interface Junk extends Item {
  readonly input: (typeof OWN_INPUTS)[number];
  readonly keyless: boolean;
}
const junk = fc.record({
  input: fc.constantFrom(...OWN_INPUTS),
  fact: fc.oneof(crmFact, deptFact),
  fault: fc.option(wireFault, { nil: null }),
  keyless: fc.boolean(),
});
const phase = (facts: fc.Arbitrary<Fact>, max: number, min = 0) =>
  fc.record({
    items: fc.array(item(facts), { minLength: min, maxLength: max }),
    junk: fc.array(junk, { maxLength: 2 }),
  });

/** Each ticket's OPENED, first, so that most later events have a ticket to move. */
const opens = fc
  .tuple(...TICKETS.map(() => fc.record({ text, fault: fc.option(fault, { freq: 4, nil: null }) })))
  .map((os) =>
    os.map((o, i): Item => ({ fact: { t: 'crm', ticket: i, kind: 'OPENED', text: o.text }, fault: o.fault })),
  );

/** A run: the tickets' service codes, then a CRM, a department and a CRM phase. */
export const plan = fc.record({
  services: fc.tuple(...TICKETS.map(() => fc.constantFrom<Service>('POTHOLE', 'WATER', 'GRASS'))),
  phases: fc.tuple(
    fc
      .tuple(opens, phase(crmFact, 6))
      .map(([opened, rest]) => ({ items: [...opened, ...rest.items], junk: rest.junk })),
    phase(deptFact, 8),
    phase(crmFact, 5),
  ),
});
export type Plan = typeof plan extends fc.Arbitrary<infer P> ? P : never;

/**
 * The event a fact says, numbered: its event id and its source's sequence grow with `n`, so every
 * event is new and in order (what is out of order, repeated or unknown is the domain's own
 * suite's business; this one is about the records around the events).
 */
export function eventOf(p: Plan, fact: Fact, n: number): InboundEvent {
  const id = TICKETS[fact.ticket] ?? 'Q-1';
  const service = p.services[fact.ticket] ?? 'POTHOLE';
  const env = { eventId: `in-${n}`, occurredAt: NOW - 3_600_000 + n };
  if (fact.t === 'crm') {
    const opened = fact.kind === 'OPENED';
    return crm(
      id,
      fact.kind,
      n,
      {
        serviceCode: opened ? service : null,
        description: opened ? fact.text : null,
        note: opened ? null : fact.text,
        closureReason: fact.kind === 'RESOLVED' ? 'WORK_COMPLETED' : null,
      },
      env,
    );
  }
  const system = ROUTES[service];
  const codes = SYSTEMS[system];
  const code = fact.unmapped ? 'BOGUS' : (codes[fact.code % codes.length] ?? 'BOGUS');
  return dept(id, `${id}#1`, system, code, n, { department: DEPARTMENT[system], note: fact.text }, env);
}
