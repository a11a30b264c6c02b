/**
 * Property tests of the connectors' record mapping: a page's changes, as a CRM, POSSE or Maximo
 * of another city may write them, read one by one (readChanges) into events or rejected records.
 * The CRM's is its ChangeFeed; POSSE's and Maximo's are their feed.ts readings of one change
 * (schema and mapping), whose polls hold state around them. Seeded and shrinking;
 * PROPERTY_SEED and PROPERTY_RUNS (a multiplier) explore further. The generators are in
 * test/support/property-connectors/.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ChangeFeed } from '../../../connectors/crm-rest/feed.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { ticketToObservation } from '../../../connectors/crm-rest/mapping.ts';
import { changeSchema as posseSchema } from '../../../connectors/posse/client.ts';
import { changeToEvent as posseEvent } from '../../../connectors/posse/mapping.ts';
import { feedChangeIn } from '../../../connectors/maximo/client.ts';
import { fromTicket, workOrderToEvent } from '../../../connectors/maximo/mapping.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { instantIn, parseConnectorConfig, rawField, readChanges, type SourceRecord } from '../../../src/sdk/index.ts';
import { check } from '../../support/property/check.ts';
import {
  anything,
  CONTACT,
  contactFields,
  crmChange,
  crmRaw,
  maximoRaw,
  maximoRow,
  oddValue,
  posseChange,
  posseRaw,
  ZONES,
} from '../../support/property-connectors/records.ts';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 311_2026);
const SCALE = Number(process.env['PROPERTY_RUNS'] ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });

type Read = {
  records: SourceRecord<unknown>[];
  rejected: { raw: unknown; error: unknown; position: string; key: string | null }[];
};

const ctx = { logger: createLogger({ level: 'silent' }), env: {}, clock: () => 1_700_000_000_000 };

function crmRead(raws: unknown[], timeZone: string): Read {
  const config = parseConnectorConfig('crm-rest', crmRestConfig, {
    baseUrl: 'http://crm.test',
    jurisdiction: 'testville',
    timeZone,
  });
  return new ChangeFeed(config, ctx).read(raws, 0);
}

/** POSSE's feed reading (feed.ts): a change of no 311 ticket is passed over. */
function posseRead(raws: unknown[], timeZone: string): Read {
  return readChanges(raws, {
    what: 'POSSE change',
    schema: posseSchema,
    position: (raw, i) => `seq ${rawField(raw, 'seq') ?? `? (change ${i + 1} since 0)`}`,
    key: (raw) => rawField(raw, 'ticketId'),
    map: (c) => {
      const { ticketId, externalRef } = c;
      if (ticketId === null || externalRef === null) return null;
      return posseEvent({ ...c, ticketId, externalRef }, 'testville', 'posse', timeZone);
    },
  });
}

/** Maximo's feed reading (feed.ts), its work order's site routed to a department. */
function maximoRead(raws: unknown[], timeZone: string): Read {
  return readChanges(raws, {
    what: 'Maximo work order change',
    schema: feedChangeIn(timeZone),
    position: (raw) => `${rawField(raw, 'workorderid')}:${rawField(raw, '_rowstamp')}`,
    key: (raw) => rawField(raw, 'origrecordid'),
    map: (wo) =>
      wo.siteid === 'BEDFORD' && fromTicket(wo) ? workOrderToEvent(wo, 'DPW', 'testville', 'maximo') : null,
  });
}

const FEEDS = [
  { name: 'CRM', read: crmRead, good: crmChange.map(crmRaw), id: 'ticketId' },
  { name: 'POSSE', read: posseRead, good: posseChange.map(posseRaw), id: 'ticketId' },
  { name: 'Maximo', read: maximoRead, good: maximoRow.map(maximoRaw), id: 'origrecordid' },
] as const;

/** Reads a page, failing the property on anything thrown. */
function readPage(feed: (typeof FEEDS)[number], raws: unknown[], zone: string): Read {
  try {
    return feed.read(raws, zone);
  } catch (e) {
    check(false, `${feed.name} page threw ${e instanceof CloseloopError ? e.code : String(e)}`, {
      error: e instanceof Error ? e.stack : e,
    });
  }
}

/** An event's instant as an Avro long and a Date hold it. */
const isInstant = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= 8.64e15;

describe('connector mapping properties', () => {
  it.each(FEEDS)('$name: any page reads into events or typed, named rejections, never a throw', (feed) => {
    const page = fc.array(anything(feed.good), { maxLength: 6 });
    fc.assert(
      fc.property(page, fc.constantFrom(...ZONES), (raws, zone) => {
        const read = readPage(feed, raws, zone);
        check(read.records.length + read.rejected.length <= raws.length, 'more out than in', read);
        if (feed.name === 'CRM') check(read.records.length + read.rejected.length === raws.length, 'a change lost');
        // Only what is no ticket's may be passed over: a change read alone gives a record or a
        // rejection unless it names no ticket (POSSE: absent, null or empty), or is no service
        // request's or at no department's site (Maximo).
        for (const raw of feed.name === 'CRM' ? [] : raws) {
          const alone = readPage(feed, [raw], zone);
          if (alone.records.length + alone.rejected.length > 0) continue;
          const ticket = (raw as { ticketId?: unknown }).ticketId;
          const passable =
            feed.name === 'POSSE'
              ? ticket === undefined || ticket === null || ticket === ''
              : rawField(raw, 'origrecordclass') !== 'SR' || rawField(raw, 'siteid') !== 'BEDFORD';
          check(passable, `${feed.name}: a change of a ticket passed over`, raw);
        }
        for (const r of read.rejected) {
          const e = r.error;
          check(e instanceof CloseloopError, 'a rejection that is no CloseloopError', String(e));
          check(e.code === 'CL_SOURCE_RECORD_INVALID' && e.stage === 'decode' && !e.retriable, 'wrong code', e.code);
          const key = rawField(r.raw, feed.id);
          check(r.key === key, 'key is not the raw record id', { key: r.key, raw: r.raw });
          if (key !== null) check(e.message.includes(`(ticket ${key})`), 'message names no ticket', e.message);
          check(e.message.includes(r.position), 'message names no position', { m: e.message, p: r.position });
          const seq = rawField(r.raw, feed.name === 'Maximo' ? 'workorderid' : 'seq');
          if (seq !== null) check(r.position.includes(seq), 'position names not the record', r.position);
        }
        for (const rec of read.records) {
          const v = rec.value as { envelope: { occurredAt: unknown; sequence: unknown }; ticketId: unknown };
          check(rec.key === v.ticketId && typeof rec.key === 'string' && rec.key !== '', 'key', rec);
          check(isInstant(v.envelope.occurredAt), 'occurredAt is no instant', rec);
          const s = v.envelope.sequence;
          check(s === null || (Number.isSafeInteger(s) && (s as number) > 0), 'sequence is no safe whole', rec);
          const expected = (v as { expectedAt?: unknown }).expectedAt;
          check(expected === undefined || expected === null || isInstant(expected), 'expectedAt', rec);
          // A coordinate is a finite number or none (the CRM's coordinate() refuses a non-finite one).
          const at = (v as { location?: { latitude: unknown; longitude: unknown } | null }).location;
          for (const n of at ? [at.latitude, at.longitude] : [])
            check(n === null || (typeof n === 'number' && Number.isFinite(n)), 'a coordinate is no finite number', rec);
        }
      }),
      runs(400),
    );
  });

  it.each(FEEDS)('$name: a well-formed record maps to the event it says, deterministically', (feed) => {
    const gens = { CRM: crmChange, POSSE: posseChange, Maximo: maximoRow } as const;
    const gen = gens[feed.name] as fc.Arbitrary<Record<string, unknown> & { at?: { ms: number } }>;
    fc.assert(
      fc.property(gen, contactFields, (c, contact) => {
        const raw = { ...(feed.name === 'CRM' ? crmRaw : feed.name === 'POSSE' ? posseRaw : maximoRaw)(c as never) };
        for (const [k, v] of contact) raw[k] = v;
        const read = readPage(feed, [raw], 'UTC');
        if (feed.name === 'Maximo' && c['siteid'] !== 'BEDFORD') {
          // A site no department is configured for: passed over, not dead-lettered.
          check(read.rejected.length === 0 && read.records.length === 0, 'another site mapped', read);
          return;
        }
        check(read.rejected.length === 0 && read.records.length === 1, 'well-formed record not mapped', read);
        check(JSON.stringify(read) === JSON.stringify(readPage(feed, [raw], 'UTC')), 'not deterministic');
        const [rec] = read.records;
        const ev = rec?.value as Record<string, unknown> & { envelope: Record<string, unknown> };
        const text = JSON.stringify(rec);
        for (const t of Object.values(CONTACT)) check(!text.includes(t), 'contact data in an event', rec);
        check(rec?.key === c[feed.id] && ev.ticketId === c[feed.id], 'ticket id', rec);
        const at = feed.name === 'Maximo' ? (c['statusdate'] as { ms: number }).ms : (c.at?.ms ?? NaN);
        check(ev.envelope['occurredAt'] === at, 'occurredAt is not the record time', { rec, c });
        if (feed.name === 'CRM') {
          check(ev.envelope['eventId'] === `crm-rest:testville:${String(c['seq'])}`, 'eventId', rec);
          check(ev.envelope['sequence'] === c['seq'] && ev['kind'] === c['kind'], 'seq/kind', rec);
          check((ev.envelope['origin'] === 'crm') === (c['actor'] !== 'integration'), 'origin', rec);
          const due = c['dueAt'] === null ? null : String(c['dueAt']);
          check(ev['crmDueAt'] === (due === null ? null : instantIn(due, 'UTC')), 'crmDueAt', rec);
        } else if (feed.name === 'POSSE') {
          check(ev.envelope['eventId'] === `posse:testville:${String(c['seq'])}`, 'eventId', rec);
          check(ev['rawStatus'] === c['outcome'] && ev['workOrderId'] === c['externalRef'], 'status/wo', rec);
          check(ev['systemClosed'] === (c['jobStatus'] !== 'Open'), 'systemClosed', rec);
          const exp = c['expectedAt'] === null ? null : instantIn(c['expectedAt'], 'UTC');
          check(ev['expectedAt'] === exp && exp !== undefined, 'expectedAt', rec);
        } else {
          const id = `maximo:testville:BEDFORD:${String(c['wonum'])}:${String(c['_rowstamp'])}`;
          check(ev.envelope['eventId'] === id && ev['workOrderId'] === c['externalrefid'], 'eventId/wo', rec);
          check(ev['rawStatus'] === c['status'], 'rawStatus', rec);
          const internal = c['status_maxvalue'];
          check(ev['systemClosed'] === (internal === 'CLOSE' || internal === 'CAN'), 'systemClosed', rec);
          const sched = internal === 'APPR' ? Date.parse(String(c['schedstart'])) : null;
          check(ev['expectedAt'] === sched, 'expectedAt', rec);
        }
      }),
      runs(200),
    );
  });

  it("CRM: a ticket view's status is open or closed, or the answer is malformed (a CloseloopError)", () => {
    const status = fc.oneof(fc.constantFrom('open', ' CLOSED ', 'Open\n', 'pending', ''), fc.string(), oddValue);
    fc.assert(
      fc.property(status, (s) => {
        if (typeof s !== 'string') return;
        const view = {
          id: 'SR-1',
          status: s,
          statusVersion: 1,
          lifecycleState: null,
          closureReason: null,
          updatedAt: null,
        };
        try {
          const o = ticketToObservation(view);
          check(o.status === s.trim().toLowerCase() && ['open', 'closed'].includes(o.status), 'status read', o);
        } catch (e) {
          check(
            e instanceof CloseloopError && !['open', 'closed'].includes(s.trim().toLowerCase()),
            'threw',
            String(e),
          );
          check(e.message.includes('SR-1'), 'names no ticket', e.message);
        }
      }),
      runs(200),
    );
  });
});
