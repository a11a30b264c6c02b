import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { encodeBatch } from '../../../src/runtime/source-publish.ts';
import { parseConnectorConfig, type CrmTicketEvent, type SourceBatch } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';

// A CRM writes its change feed's facts in the forms its own stack writes (ISO dates, epoch
// seconds, coordinates as text, its own words for a request kind): each is read for what it
// means, and only a change whose time cannot be read at all is dead-lettered, with its position.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
const cleanup = cleanupAfter('each');
const TOPIC = 'crm.ticket-events.v1';

async function crmFeed(now = () => Date.now()) {
  const sim = new CrmSimulator({ token: 'tok' });
  const url = await sim.start();
  stops.push(() => sim.stop());
  const config = parseConnectorConfig('crm-rest', crmRest.config, {
    baseUrl: url,
    jurisdiction: 'testville',
    timeZone: 'America/New_York',
  });
  const logger = createLogger({ level: 'silent' });
  const warn = vi.spyOn(logger, 'warn');
  const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: now });
  if (!source) throw new Error('crm-rest must have a source');
  /** One ticket whose OPENED change is served with these facts. */
  const opened = (set: Record<string, unknown>) => {
    sim.corruptNextChange({ set });
    return sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id;
  };
  return { sim, source, opened, warn };
}

/** A CRM that answers every feed page with `page`, as another vendor's CRM writes it. */
async function answering(page: unknown) {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page)),
  );
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  stops.push(() => new Promise<void>((closed) => server.close(() => closed())));
  const config = parseConnectorConfig('crm-rest', crmRest.config, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jurisdiction: 'testville',
  });
  const logger = createLogger({ level: 'silent' });
  const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
  if (!source) throw new Error('crm-rest must have a source');
  return source;
}

/** The batch as the source runner writes it: records the Avro schema refuses are dead letters. */
async function encoded(batch: SourceBatch<CrmTicketEvent>) {
  const { serde } = await startLoopback(cleanup);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  return encodeBatch({ topic: TOPIC, serde, connector: 'crm-rest' }, batch);
}

describe('crm-rest source: the facts of a change as a CRM writes them', () => {
  it('takes a request kind in any words and any case, asking for work unless it is information', async () => {
    const { source, opened } = await crmFeed();
    for (const kind of ['Service', 'complaint', 'Information', 'INFO', '']) opened({ requestKind: kind });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => r.value.requestKind)).toEqual([
      'SERVICE',
      'SERVICE',
      'INFORMATION',
      'INFORMATION',
      null,
    ]);
  });

  it('reads dates in ISO 8601, epoch seconds and fractions of a millisecond, and coordinates written as text', async () => {
    const { source, opened } = await crmFeed();
    const at = Date.parse('2024-06-01T10:00:00Z');
    opened({ at: '2024-06-01T10:00:00Z', requestedAt: '2024-06-01T06:00:00', dueAt: '2024-06-03' });
    opened({ at: at / 1_000, requestedAt: at + 0.25, dueAt: at + 0.5, latitude: '39.29', longitude: ' -76.61 ' });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    // Without an offset, a date is the CRM's own time zone's: 06:00 in New York is 10:00 UTC.
    expect(batch.records[0]?.value).toMatchObject({
      envelope: { occurredAt: at },
      requestedAt: at,
      crmDueAt: Date.parse('2024-06-03T04:00:00Z'),
    });
    expect(batch.records[1]?.value).toMatchObject({
      envelope: { occurredAt: at },
      requestedAt: at,
      crmDueAt: at + 1,
      location: { latitude: 39.29, longitude: -76.61 },
    });
    // Whole milliseconds: none of them fails the Avro long it is written as.
    const { dead } = await encoded(batch);
    expect(dead).toEqual([]);
  });

  it('reads epoch dates written as their digits, and eight digits as a date', async () => {
    const { source, opened } = await crmFeed();
    const at = Date.parse('2024-11-05T09:00:00Z');
    opened({ at: String(at), requestedAt: ` ${at / 1_000} `, dueAt: '20241108' });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records[0]?.value).toMatchObject({
      envelope: { occurredAt: at },
      requestedAt: at,
      crmDueAt: Date.parse('2024-11-08T05:00:00Z'),
    });
  });

  it('publishes a change whose optional facts cannot be read without them, and says which', async () => {
    let now = Date.parse('2024-06-01T12:00:00Z');
    const { source, opened, warn } = await crmFeed(() => now);
    opened({ dueAt: 1_717_000_000_000 });
    const id = opened({ dueAt: 'next week', latitude: 'by the school', longitude: -76.61 });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records[1]?.value).toMatchObject({
      ticketId: id,
      crmDueAt: null,
      location: { latitude: null, longitude: -76.61 },
    });
    expect(batch.warnings).toEqual([
      {
        code: 'CL_SOURCE_DATE_UNREAD',
        detail: expect.stringMatching(new RegExp(`^CRM change seq 2 \\(ticket ${id}\\) has dueAt "next week"`)),
      },
    ]);
    // The log names the change and each field; a coordinate's text is not quoted.
    expect(warn).toHaveBeenCalledWith(
      { seq: 2, ticketId: id, fields: ['dueAt', 'latitude'], dueAt: '"next week"' },
      expect.stringContaining('cannot read'),
    );
    expect(JSON.stringify(warn.mock.calls)).not.toContain('school');
    // Said again by the polls after it, for an hour, then no more.
    now += 3_599_000;
    expect((await source.poll(batch.cursor)).warnings?.map((w) => w.code)).toEqual(['CL_SOURCE_DATE_UNREAD']);
    now += 1_000;
    expect((await source.poll(batch.cursor)).warnings).toEqual([]);
  });

  // Found by the property tests: digits past a double's range were published as Infinity.
  it('takes a coordinate whose digits are past any number for none, and says so', async () => {
    const { source, opened, warn } = await crmFeed();
    const id = opened({ latitude: '9'.repeat(400), longitude: -76.61 });
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records[0]?.value).toMatchObject({ ticketId: id, location: { latitude: null, longitude: -76.61 } });
    expect(warn).toHaveBeenCalledWith(
      { seq: 1, ticketId: id, fields: ['latitude'] },
      expect.stringContaining('cannot read'),
    );
  });

  // A CRM whose ids are 64-bit integers writes them as text, so that no JSON reader rounds them.
  it('reads a seq and a nextCursor written as their digits', async () => {
    const { source, opened } = await crmFeed();
    const ids = [opened({ seq: '1' }), opened({ seq: ' 2 ' })];
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records.map((r) => [r.key, r.value.envelope.sequence, r.value.envelope.eventId])).toEqual([
      [ids[0], 1, 'crm-rest:testville:1'],
      [ids[1], 2, 'crm-rest:testville:2'],
    ]);
    expect(batch.cursor).toBe('2');
    const change = { at: '2024-11-05T09:00:00-05:00', kind: 'OPENED', actor: 'agent', serviceCode: 'POTHOLE' };
    const texts = await answering({
      changes: [
        { ...change, seq: '41', ticketId: 'SR-41' },
        { ...change, seq: '42', ticketId: 'SR-42' },
      ],
      nextCursor: '42',
    });
    const read = await texts.poll('40');
    expect(read.rejected).toEqual([]);
    expect(read.records.map((r) => `${r.key}@${r.value.envelope.sequence}`)).toEqual(['SR-41@41', 'SR-42@42']);
    expect(read.cursor).toBe('42');
  });

  // Cursor-paged APIs leave the cursor out, or null, on their last page.
  it('reads a page without a nextCursor to its own last seq, and an empty one as the end', async () => {
    const change = { at: '2024-11-05T09:00:00-05:00', kind: 'OPENED', actor: 'agent', serviceCode: 'POTHOLE' };
    for (const end of [{}, { nextCursor: null }]) {
      const page = await answering({
        changes: [
          { ...change, seq: 41, ticketId: 'SR-41' },
          { ...change, seq: 43, ticketId: 'SR-43' },
        ],
        ...end,
      });
      const read = await page.poll('40');
      expect(read.rejected).toEqual([]);
      expect(read.records.map((r) => r.key)).toEqual(['SR-41', 'SR-43']);
      // 42 is a hole, waited at for a change committed late (holeWaitSeconds).
      expect(JSON.parse(read.cursor ?? 'null')).toMatchObject({ seq: 41 });
      const empty = await answering({ changes: [], ...end });
      const none = await empty.poll('43');
      expect([none.records, none.rejected ?? [], none.cursor]).toEqual([[], [], '43']);
    }
  });

  it('dead-letters a change whose seq is no whole number, saying what was expected', async () => {
    const { source, opened } = await crmFeed();
    for (const seq of ['1.5', '-2', '3a', '', '9007199254740993', 4.5, 0]) opened({ seq });
    const batch = await source.poll(null);
    expect(batch.records).toEqual([]);
    expect(batch.rejected?.map((r) => r.error.message.replace(/^.*cannot be read: /, ''))).toEqual([
      'seq: expected a whole number, or its digits as text',
      'seq: expected a whole number, or its digits as text',
      'seq: expected a whole number, or its digits as text',
      'seq: expected a whole number, or its digits as text',
      'seq: expected a whole number no greater than 2^53 - 1',
      'seq: expected a whole number, or its digits as text',
      'seq: expected a whole number of at least 1',
    ]);
  });

  // Agents' screens and exports write a reason as words; the canonical one is read from any form of them.
  it('reads a closure reason in any case, with spaces or hyphens between its words, in either spelling', async () => {
    const { sim, source, warn } = await crmFeed();
    const written = [
      'CANCELLED_BY_REQUESTOR',
      'cancelled_by_requestor',
      ' Cancelled by requestor ',
      'cancelled-by-requestor',
      'Canceled by requester',
      'No action required.',
    ];
    for (const reason of written) sim.cancel(sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id, reason, null);
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    const cancels = batch.records.filter((r) => r.value.kind === 'CANCELLED');
    expect(cancels.map((r) => r.value.closureReason)).toEqual([
      ...written.slice(0, -1).map(() => 'CANCELLED_BY_REQUESTOR'),
      'NO_ACTION_REQUIRED',
    ]);
    expect(batch.warnings).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('publishes a change whose closure reason names none the bridge knows without it, and says what it was', async () => {
    let now = Date.parse('2024-06-01T12:00:00Z');
    const { sim, source, warn } = await crmFeed(() => now);
    const id = sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id;
    sim.cancel(id, 'Resident withdrew, call 410-555-0199', null);
    const batch = await source.poll(null);
    expect(batch.rejected).toEqual([]);
    expect(batch.records[1]?.value).toMatchObject({ kind: 'CANCELLED', closureReason: null });
    expect(batch.warnings).toEqual([
      {
        code: 'CL_SOURCE_REASON_UNREAD',
        detail: expect.stringMatching(
          new RegExp(
            `^CRM change seq 2 \\(ticket ${id}, CANCELLED\\) has closure reason "Resident withdrew, call .+", .*stays open`,
          ),
        ),
      },
    ]);
    expect(warn).toHaveBeenCalledWith(
      { seq: 2, ticketId: id, kind: 'CANCELLED', closureReason: expect.stringContaining('Resident withdrew') },
      expect.stringContaining('closure reason'),
    );
    // Whatever an agent typed is quoted with contact data scrubbed.
    expect(JSON.stringify([warn.mock.calls, batch.warnings])).not.toContain('555-0199');
    // Said again by the polls after it, for an hour, then no more.
    now += 3_599_000;
    expect((await source.poll(batch.cursor)).warnings?.map((w) => w.code)).toEqual(['CL_SOURCE_REASON_UNREAD']);
    now += 1_000;
    expect((await source.poll(batch.cursor)).warnings).toEqual([]);
  });

  it('dead-letters a change whose own time cannot be read, by itself and with its position', async () => {
    const { source, opened } = await crmFeed();
    opened({});
    const bad = opened({ at: 'yesterday' });
    opened({ at: 1_717_000_000_000.5 });
    const batch = await source.poll(null);
    expect(batch.records.map((r) => r.value.envelope.sequence)).toEqual([1, 3]);
    expect(batch.rejected).toEqual([
      expect.objectContaining({
        position: 'seq 2',
        key: bad,
        error: expect.objectContaining({ code: 'CL_SOURCE_RECORD_INVALID', details: expect.anything() }),
      }),
    ]);
    expect(batch.rejected?.[0]?.error.message).toMatch(/^CRM change seq 2 \(ticket .+\) cannot be read: at: /);
    const { dead } = await encoded(batch);
    expect(dead.map((d) => [d.position, d.err.code])).toEqual([['seq 2', 'CL_SOURCE_RECORD_INVALID']]);
  });
});
