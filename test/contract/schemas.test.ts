import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CRM_EVENT_KINDS,
  DELIVERY_OUTCOMES,
  DRIFT_KINDS,
  LINK_MESSAGE_KINDS,
  LINK_TYPES,
  OPERATOR_COMMAND_KINDS,
  TICKET_STATES,
  VIOLATION_KINDS,
} from '../../src/domain/index.ts';
import { stateFromRecord, stateToRecord } from '../../src/processor/index.ts';
import { DRIFT_ACTIONS } from '../../src/reconcile/index.ts';
import { CANONICAL, RECORD_NAMES } from '../../src/topics/index.ts';
import { computeKpis } from '../../src/domain/kpi/index.ts';
import { Bridge, crm, dept, slaTestPolicy, testPolicy } from '../support/domain.ts';
import { NYC, input, now, violations } from '../unit/kpi/fixtures.ts';

type Json = Record<string, unknown>;
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;
const shipped = Object.fromEntries(
  readdirSync('schemas')
    .filter((f) => f.endsWith('.avsc'))
    .map((f) => [path.basename(f, '.avsc'), load(path.join('schemas', f))]),
);
const history = (topic: string): Json[] => {
  const dir = path.join('schemas', 'history', topic);
  try {
    return readdirSync(dir)
      .sort()
      .map((f) => load(path.join(dir, f)));
  } catch {
    return [];
  }
};

function undocumented(schema: unknown, where = ''): string[] {
  if (!schema || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((s, i) => undocumented(s, `${where}[${i}]`));
  const s = schema as {
    type?: unknown;
    name?: string;
    fields?: { name: string; doc?: string; type: unknown }[];
    items?: unknown;
  };
  const missing: string[] = [];
  if (s.type === 'record' && s.fields) {
    for (const f of s.fields) {
      if (!f.doc) missing.push(`${where}${s.name}.${f.name}`);
      missing.push(...undocumented(f.type, `${where}${s.name}.`));
    }
  }
  if (s.type === 'array') missing.push(...undocumented(s.items, where));
  return missing;
}

const envelopeOf = (schema: Json): unknown =>
  (schema['fields'] as { name: string; type: unknown }[]).find((f) => f.name === 'envelope')?.type;

/** BACKWARD: a reader with the new schema reads data written with the old one. */
function readsOld(next: Json, old: Json): boolean {
  try {
    avro.Type.forSchema(next as avro.Schema).createResolver(avro.Type.forSchema(old as avro.Schema));
    return true;
  } catch {
    return false;
  }
}

describe('schemas v1', () => {
  it('ships one schema per topic of the bridge', () => {
    expect(Object.keys(shipped).sort()).toEqual(Object.values(CANONICAL).sort());
  });

  it("names each topic's record as the readers expect it", () => {
    const named = Object.fromEntries(
      Object.entries(CANONICAL).map(([key, topic]) => {
        const s = shipped[topic] as { name: string; namespace: string };
        return [key, `${s.namespace}.${s.name}`];
      }),
    );
    expect(named).toEqual(RECORD_NAMES);
  });

  it.each(Object.keys(shipped))('%s documents every field', (name) => {
    expect(undocumented(shipped[name])).toEqual([]);
  });

  it('carries the envelope in every record but the state changelog and the KPI figures', () => {
    const without = Object.keys(shipped).filter((name) => envelopeOf(shipped[name] as Json) === undefined);
    expect(without.sort()).toEqual([CANONICAL.kpi, CANONICAL.state].sort());
  });

  it('shares one envelope definition, word for word', () => {
    const envelopes = Object.values(shipped)
      .map((s) => envelopeOf(s))
      .filter((e) => e !== undefined)
      .map((e) => JSON.stringify(e));
    expect(new Set(envelopes).size).toBe(1);
    expect(envelopes[0]).toContain('jurisdiction');
  });

  it.each(Object.keys(shipped))('%s is BACKWARD_TRANSITIVE-compatible with every earlier version', (name) => {
    for (const old of history(name)) expect(readsOld(shipped[name] as Json, old)).toBe(true);
  });

  it('lists every drift kind and action of reconciliation in the drift enums, old symbols kept in place', () => {
    const symbolsOf = (schema: Json, field: string) =>
      (schema['fields'] as { name: string; type: { symbols?: string[] } }[]).find((f) => f.name === field)?.type
        .symbols ?? [];
    const drift = shipped[CANONICAL.drift] as Json;
    expect(symbolsOf(drift, 'kind')).toEqual([...DRIFT_KINDS]);
    expect(symbolsOf(drift, 'action')).toEqual([...DRIFT_ACTIONS]);
    for (const old of history(CANONICAL.drift))
      for (const field of ['kind', 'action'])
        expect(symbolsOf(drift, field).slice(0, symbolsOf(old, field).length)).toEqual(symbolsOf(old, field));
  });

  it('lists every violation kind of the domain in the quarantine enum, old symbols kept in place', () => {
    const kindOf = (schema: Json) =>
      (schema['fields'] as { name: string; type: { symbols?: string[] } }[]).find((f) => f.name === 'kind')?.type
        .symbols ?? [];
    const symbols = kindOf(shipped[CANONICAL.quarantine] as Json);
    expect(symbols).toEqual([...VIOLATION_KINDS]);
    for (const old of history(CANONICAL.quarantine)) expect(symbols.slice(0, kindOf(old).length)).toEqual(kindOf(old));
  });

  // The processor dead-letters an input whose value of these is not in the domain's list
  // (src/processor/inbound.ts): the lists must be the shipped enums, no more and no fewer.
  it.each([
    [CANONICAL.crmEvents, 'kind', CRM_EVENT_KINDS],
    [CANONICAL.links, 'kind', LINK_MESSAGE_KINDS],
    [CANONICAL.links, 'linkType', LINK_TYPES],
    [CANONICAL.links, 'parentState', TICKET_STATES],
    [CANONICAL.deliveries, 'outcome', DELIVERY_OUTCOMES],
    [CANONICAL.operatorCommands, 'kind', OPERATOR_COMMAND_KINDS],
  ])('%s: the domain knows every symbol of %s', (topic, field, known) => {
    const type = (shipped[topic]?.['fields'] as { name: string; type: unknown }[]).find((f) => f.name === field)?.type;
    const enumType = (Array.isArray(type) ? type.find((t) => typeof t === 'object') : type) as { symbols: string[] };
    expect(enumType.symbols).toEqual([...known]);
  });

  it('accepts the v2 fixture of the status schema and refuses a breaking one', () => {
    const v1 = history(CANONICAL.status)[0] as Json;
    expect(v1).toBeDefined();
    expect(readsOld(load('test/fixtures/schemas/evolution/bridge.ticket-status.v2.avsc'), v1)).toBe(true);
    expect(readsOld(load('test/fixtures/schemas/evolution/bridge.ticket-status.v2-breaking.avsc'), v1)).toBe(false);
  });
});

describe('domain records fit their schemas', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = new Bridge(await testPolicy());
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', description: 'deep pothole' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', duplicateOf: 'P' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P' }));
    bridge.send(dept('P', 'P#1', 'posse', 'UNKNOWN_CODE', 2));
    bridge.send(dept('P', 'P#1', 'maximo', 'WSCH', 3, { expectedAt: 1_800_000_000_000, systemClosed: true }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 4, { note: 'Patched' }));
  });

  const type = (topic: string) => avro.Type.forSchema(shipped[topic] as avro.Schema);

  it('statuses, commands, links, violations and KPI records are valid Avro', () => {
    const checks: [string, unknown[]][] = [
      [CANONICAL.status, bridge.statuses],
      [CANONICAL.commands, bridge.commands],
      [CANONICAL.links, bridge.links],
      [CANONICAL.quarantine, bridge.violations],
      [CANONICAL.kpi, computeKpis(input, violations, '2026-11', now, NYC)],
    ];
    for (const [topic, records] of checks) {
      expect(records.length).toBeGreaterThan(0);
      const t = type(topic);
      for (const r of records) {
        const errors: string[] = [];
        t.isValid(r, { errorHook: (p) => errors.push(`${topic}: ${p.join('.')}`) });
        expect(errors).toEqual([]);
      }
    }
  });

  it('ticket state round-trips through the changelog schema', () => {
    const t = type(CANONICAL.state);
    for (const id of ['P', 'D', 'F']) {
      const state = bridge.ticket(id);
      const back = stateFromRecord(t.fromBuffer(t.toBuffer(stateToRecord(state))) as Record<string, unknown>);
      expect(back).toEqual(state);
    }
  });

  it('SLA clocks round-trip, one without a response target too, and states written before restore', async () => {
    const sla = new Bridge(await slaTestPolicy());
    sla.send(crm('L', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const imported = { origin: 'import', occurredAt: 1_700_000_000_000, sequence: null };
    sla.send(crm('H', 'OPENED', 0, { serviceCode: 'POTHOLE', department: 'Transportation' }, imported));
    const t = type(CANONICAL.state);
    const live = sla.ticket('L');
    const history = sla.ticket('H');
    expect(live.sla?.responseDueAt).toEqual(expect.any(Number));
    expect(history.sla).toMatchObject({ responseDueAt: null, completionDueAt: expect.any(Number) });
    for (const state of [live, history]) {
      const back = stateFromRecord(t.fromBuffer(t.toBuffer(stateToRecord(state))) as Record<string, unknown>);
      expect(back).toEqual(state);
    }
    // Written with the schema before responseDueAt could be null, read with today's.
    const before = avro.Type.forSchema(load('schemas/history/bridge.ticket-state.v1/005.avsc') as avro.Schema);
    const written = before.toBuffer(stateToRecord(live));
    const restored = stateFromRecord(t.fromBuffer(written, t.createResolver(before)) as Record<string, unknown>);
    // The clock's zone, response unit and days to resolve were not kept then: they read null, and
    // the configured calendar and policy stand in for them (sla-track.ts).
    const kept = { timeZone: null, responseUnit: null, businessDaysToResolve: null };
    expect(restored).toEqual({ ...live, sla: live.sla && { ...live.sla, ...kept } });
    expect(live.sla).toMatchObject({ timeZone: 'America/New_York', responseUnit: 'business_days' });
    // Written with the schema before those fields (history 007), read with today's.
    const b007 = avro.Type.forSchema(load('schemas/history/bridge.ticket-state.v1/007.avsc') as avro.Schema);
    const r007 = t.fromBuffer(b007.toBuffer(stateToRecord(live)), t.createResolver(b007)) as Record<string, unknown>;
    expect(stateFromRecord(r007)).toEqual({ ...live, sla: live.sla && { ...live.sla, ...kept } });
  });
});
