import {
  decide,
  type CrmTicketEvent,
  type Decision,
  type InboundEvent,
  type Policy,
  type StatusMapping,
  type TicketLinkMessage,
  type TicketState,
  type TicketStatusChange,
  type Violation,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/domain/index.ts';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { loadStatusMapping } from '../../src/config/index.ts';
import { buildSlaTables, slaSectionSchema } from '../../src/config/sla-schema.ts';

export async function shippedMappings(): Promise<Record<string, StatusMapping>> {
  const out: Record<string, StatusMapping> = {};
  for (const name of ['posse', 'maximo', 'sap-pm']) {
    const m = await loadStatusMapping(`config/status-mappings/${name}.yaml`);
    out[m.system] = m;
  }
  return out;
}

export async function testPolicy(): Promise<Policy> {
  return {
    jurisdiction: 'testville',
    routing: {
      POTHOLE: [{ department: 'transportation', system: 'maximo' }],
      WATER: [{ department: 'public-works', system: 'sap-pm' }],
      GRASS: [{ department: 'housing', system: 'posse' }],
      DUMPING: [
        { department: 'solid-waste', system: 'maximo' },
        { department: 'housing', system: 'posse' },
      ],
    },
    mappings: await shippedMappings(),
    retentionMs: 7 * 86_400_000,
    defaultPriority: 3,
  };
}

let counter = 0;
function envelope(seq: number | null, extra: Partial<CrmTicketEvent['envelope']> = {}) {
  counter += 1;
  return {
    eventId: `evt-${counter}`,
    jurisdiction: 'testville',
    source: 'test',
    sequence: seq,
    occurredAt: 1_790_000_000_000 + counter,
    origin: 'test',
    correlationId: null,
    ...extra,
  };
}

export function crm(
  ticketId: string,
  kind: CrmTicketEvent['kind'],
  seq: number,
  fields: Partial<Omit<CrmTicketEvent, 'envelope' | 'ticketId' | 'kind'>> = {},
  env: Partial<CrmTicketEvent['envelope']> = {},
): InboundEvent {
  return {
    type: 'crm',
    event: {
      envelope: envelope(seq, env),
      ticketId,
      kind,
      serviceCode: null,
      serviceName: null,
      description: null,
      requestedAt: null,
      duplicateOf: null,
      followUpOf: null,
      closureReason: null,
      note: null,
      ...fields,
    },
  };
}

export function dept(
  ticketId: string,
  workOrderId: string,
  system: string,
  rawStatus: string,
  seq: number,
  fields: Partial<Omit<WorkOrderEvent, 'envelope' | 'ticketId' | 'workOrderId' | 'system' | 'rawStatus'>> = {},
  env: Partial<WorkOrderEvent['envelope']> = {},
): InboundEvent {
  return {
    type: 'dept',
    event: {
      envelope: envelope(seq, env),
      ticketId,
      workOrderId,
      system,
      department: fields.department ?? 'dept',
      rawStatus,
      rawStatusLabel: null,
      systemClosed: false,
      note: null,
      expectedAt: null,
      ...fields,
    },
  };
}

/** A link message as the processor's input, for Bridge.step(). */
export function link(m: TicketLinkMessage | undefined): InboundEvent {
  if (!m) throw new Error('no such link message');
  return { type: 'link', event: m };
}

/**
 * Runs decide() over many tickets the way the processor does, delivering link messages to
 * their target tickets until none are left. Pure and in memory: for unit tests only.
 */
export class Bridge {
  readonly tickets = new Map<string, TicketState>();
  readonly statuses: TicketStatusChange[] = [];
  readonly commands: WorkOrderCommand[] = [];
  readonly violations: Violation[] = [];
  readonly links: TicketLinkMessage[] = [];
  now = 1_790_000_000_000;

  readonly policy: Policy;

  constructor(policy: Policy) {
    this.policy = policy;
  }

  send(input: InboundEvent): Decision {
    const first = this.#apply(input);
    const queue = [...first.links];
    while (queue.length > 0) {
      const link = queue.shift();
      if (!link) break;
      queue.push(...this.#apply({ type: 'link', event: link }).links);
    }
    return first;
  }

  /**
   * Applies one input and returns its decision without delivering its link messages: send()
   * delivers them at once, which hides the orderings of messages in flight between partitions.
   * The test delivers them itself, in the order it means to try (see link()).
   */
  step(input: InboundEvent): Decision {
    return this.#apply(input);
  }

  #apply(input: InboundEvent): Decision {
    const id = input.event.ticketId;
    const d = decide(this.tickets.get(id) ?? null, input, { policy: this.policy, now: this.now });
    if (d.state) this.tickets.set(id, d.state);
    else this.tickets.delete(id);
    this.statuses.push(...d.statuses);
    this.commands.push(...d.commands);
    this.violations.push(...d.violations);
    this.links.push(...d.links);
    return d;
  }

  ticket(id: string): TicketState {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no state for ${id}`);
    return t;
  }

  statusesOf(id: string): TicketStatusChange[] {
    return this.statuses.filter((s) => s.ticketId === id);
  }

  lastStatus(id: string): TicketStatusChange {
    const all = this.statusesOf(id);
    const last = all[all.length - 1];
    if (!last) throw new Error(`no status for ${id}`);
    return last;
  }

  violationsOf(id: string): Violation[] {
    return this.violations.filter((v) => v.ticketId === id);
  }
}

/**
 * testPolicy with SLA clocks on the shipped Baltimore calendar: POTHOLE (Maximo) responds in 2
 * and completes in 5 business days, pausing for WEATHER and PARTS; GRASS (POSSE) pauses for
 * WEATHER only; WATER runs on calendar hours; every other code has no policy.
 */
export async function slaTestPolicy(): Promise<Policy> {
  const baltimore = parseYaml(await readFile('config/calendars/baltimore.yaml', 'utf8')) as unknown;
  const section = slaSectionSchema.parse({
    calendars: [baltimore],
    policies: {
      POTHOLE: {
        calendar: 'baltimore',
        response: '2 business_days',
        completion: '5 business_days',
        pauseReasons: ['WEATHER', 'PARTS'],
      },
      GRASS: {
        calendar: 'baltimore',
        response: '2 business_days',
        completion: '10 business_days',
        pauseReasons: ['WEATHER'],
      },
      WATER: { calendar: 'baltimore', response: '4 calendar_hours', completion: '48 calendar_hours' },
    },
  });
  return { ...(await testPolicy()), sla: buildSlaTables(section) };
}

/** Tickets `<prefix>-0…`, opened in the CRM: POTHOLE (Maximo) and WATER (SAP PM) in turn. */
export function openedTickets(prefix: string, count: number): InboundEvent[] {
  return Array.from({ length: count }, (_, i) =>
    crm(`${prefix}-${i}`, 'OPENED', 1, { serviceCode: i % 2 ? 'POTHOLE' : 'WATER' }),
  );
}

/** The department's whole lifecycle for each of openedTickets' tickets, to completion (no links). */
export function workedTickets(prefix: string, count: number): InboundEvent[] {
  const events: InboundEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `${prefix}-${i}`;
    const [system, codes] = i % 2 ? ['maximo', ['APPR', 'WSCH', 'INPRG', 'COMP']] : ['sap-pm', ['REL', 'TECO']];
    codes.forEach((code, n) => events.push(dept(id, `${id}#1`, system as string, code as string, n + 2)));
  }
  return events;
}
