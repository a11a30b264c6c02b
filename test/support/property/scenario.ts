/**
 * Running a scenario: decide() over the tickets, as the processor does, checking every step. Link
 * messages wait in a queue per target ticket (one partition keeps their order) and are delivered
 * when an action says so, or all at the end (settle), before the cross-ticket checks.
 */
import type {
  InboundEvent,
  Policy,
  TicketLinkMessage,
  TicketState,
  TicketStatusChange,
} from '../../../src/domain/index.ts';
import { slaTestPolicy, testPolicy } from '../domain.ts';
import type { Action, Scenario } from './actions.ts';
import { check, summary } from './check.ts';
import { buildEvent, Envelopes, operatorEvent, type EventSource } from './events.ts';
import { checkSettled } from './invariants/links.ts';
import {
  checkChangelogWrite,
  checkReplay,
  checkRestoredDecidesAlike,
  checkTimerChangelogWrite,
  decidePurely,
  decideTimersPurely,
} from './invariants/purity.ts';
import { checkStatuses } from './invariants/statuses.ts';
import { checkStep } from './invariants/step.ts';
import { HOUR, NOW, type Ticket } from './vocabulary.ts';

/** Counts what the runs made (statuses, violations, commands), when asked to: are the paths reached? */
export type Count = (what: string) => void;

/**
 * The policies a scenario runs on: SLA clocks on the shipped calendar; none; and clocks with a
 * connector for every route but one (NO_CONNECTOR: reviews and commands that cannot be sent) and
 * tight ordering bounds (IMPLAUSIBLE_SEQUENCE). The mappings are the same in each; the first's
 * are the ones the checks read.
 */
export async function scenarioPolicies(): Promise<[Policy, ...Policy[]]> {
  const policy = await slaTestPolicy();
  const served = ['maximo/transportation', 'sap-pm/public-works', 'posse/housing'];
  return [policy, await testPolicy(), { ...policy, served, ordering: { maxSequenceJump: 40, maxFutureMs: HOUR } }];
}

/** Runs a scenario's actions, delivers every link message left, and checks across tickets. */
export function runScenario({ policyIndex, actions }: Scenario, policies: [Policy, ...Policy[]], count?: Count): void {
  const [base] = policies;
  const run = new Run(policies[policyIndex] ?? base, base.mappings, count);
  for (const a of actions) run.perform(a);
  run.settle();
  checkSettled(run.tickets);
}

class Run implements EventSource {
  readonly tickets = new Map<string, TicketState>();
  /** Link messages waiting, per target ticket, in the order they were produced (one partition). */
  readonly pending = new Map<string, TicketLinkMessage[]>();
  /** Every status sent, per ticket, in order. */
  readonly statuses = new Map<string, TicketStatusChange[]>();
  /** Inputs decided so far (not link messages), for replays and reused ids. */
  readonly inputs: InboundEvent[] = [];
  readonly envelopes = new Envelopes();
  now = NOW;
  readonly policy: Policy;
  readonly #mappings: Policy['mappings'];
  readonly #count: Count | undefined;

  constructor(policy: Policy, mappings: Policy['mappings'], count: Count | undefined) {
    this.policy = policy;
    this.#mappings = mappings;
    this.#count = count;
  }

  ctx() {
    return { policy: this.policy, now: this.now };
  }

  workOrdersOf(ticket: string): TicketState['workOrders'] {
    return this.tickets.get(ticket)?.workOrders ?? [];
  }

  perform(a: Action): void {
    switch (a.t) {
      case 'crm':
      case 'dept':
        return this.apply(buildEvent(a, this), true);
      case 'operator':
        return this.apply(operatorEvent(a.ticket, a.wo, this), true);
      case 'replay': {
        const input = this.inputs[a.k % Math.max(1, this.inputs.length)];
        if (input) this.apply(input, false);
        return;
      }
      case 'reuse': {
        const earlier = this.inputs[a.k % Math.max(1, this.inputs.length)];
        if (!earlier) return;
        const fresh = buildEvent({ ...a.event, ticket: earlier.event.ticketId as Ticket }, this);
        const envelope = { ...fresh.event.envelope, eventId: earlier.event.envelope.eventId };
        const input = { ...fresh, event: { ...fresh.event, envelope } } as InboundEvent;
        return this.apply(input, true);
      }
      case 'deliver': {
        const queue = this.pending.get(a.ticket);
        const m = queue?.shift();
        if (m) this.apply({ type: 'link', event: m }, false);
        return;
      }
      case 'tick':
        this.now += a.hours * HOUR;
        return this.timers();
    }
  }

  /** The processor's timer sweep over every ticket (SLA targets falling due, the sentinel). */
  timers(): void {
    for (const [key, prev] of [...this.tickets.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const d = decideTimersPurely(key, prev, this.ctx());
      checkTimerChangelogWrite(key, prev, d);
      checkStatuses(this.statuses.get(key) ?? [], d, null, { timer: key, prev: summary(prev) });
      if (d.state) this.tickets.set(key, d.state);
      this.statuses.set(key, [...(this.statuses.get(key) ?? []), ...d.statuses]);
      this.enqueue(d.links);
      if (this.#count) for (const x of d.statuses) this.#count(`timer status ${x.lifecycleState}`);
    }
  }

  enqueue(links: readonly TicketLinkMessage[]): void {
    for (const m of links) {
      const q = this.pending.get(m.ticketId) ?? [];
      q.push(m);
      this.pending.set(m.ticketId, q);
    }
  }

  /** Delivers every link message waiting, in partition order, until none is left. */
  settle(): void {
    for (let rounds = 0; rounds < 1000; rounds += 1) {
      const next = [...this.pending.entries()].find(([, q]) => q.length > 0);
      if (!next) return;
      const m = next[1].shift();
      if (m) this.apply({ type: 'link', event: m }, false);
    }
    check(false, 'link messages kept flowing: 1000 deliveries and still more (a ping-pong between tickets)');
  }

  /** Decides one input, checks the decision, and keeps what it made. */
  apply(input: InboundEvent, remember: boolean): void {
    const key = input.event.ticketId;
    const prev = this.tickets.get(key) ?? null;
    const ctx = this.ctx();
    const d = decidePurely(prev, input, ctx);
    checkRestoredDecidesAlike(prev, input, ctx, d);
    checkChangelogWrite(prev, input, d);
    checkStep(prev, input, d, this.statuses.get(key) ?? [], this.#mappings);
    if (d.state) this.tickets.set(key, d.state);
    else this.tickets.delete(key);
    const sent = this.statuses.get(key) ?? [];
    this.statuses.set(key, [...sent, ...d.statuses]);
    this.#countDecision(input, d);
    this.enqueue(d.links);
    if (remember) this.inputs.push(input);
    checkReplay(input, d, this.ctx());
  }

  #countDecision(input: InboundEvent, d: ReturnType<typeof decidePurely>): void {
    const count = this.#count;
    if (!count) return;
    count(`input ${input.type}`);
    for (const s of d.statuses) count(`status ${s.lifecycleState} ${s.closureReason ?? ''}`);
    for (const v of d.violations) count(`violation ${v.kind}`);
    for (const c of d.commands) count(`command ${c.kind}`);
    for (const m of d.links) count(`link ${m.kind} ${m.linkType}`);
  }
}
