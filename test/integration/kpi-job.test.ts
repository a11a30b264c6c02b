import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KpiRecord } from '../../src/domain/kpi/index.ts';
import { runKpi } from '../../src/cli/kpi-command.ts';
import { runVolume } from '../../src/cli/volume-command.ts';
import { runKpiJob } from '../../src/kpi/index.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { CANONICAL, topicSpecs } from '../../src/topics/index.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { NY, asV1, at, status, violation, wo } from '../support/kpi-records.ts';
import { SCHEMAS, readCommitted, readCommittedRaw, testConfig } from '../support/processor.ts';

const HISTORY = path.join(SCHEMAS, 'history');
const logger = () => createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });

/** Fresh topics with the shipped schemas, and a writer of status records to them. */
async function setup() {
  const messaging = testMessaging();
  const { config } = await testConfig(3);
  const serde = new AvroSerde({ url: endpoints().registryUrl });
  const admin = messaging.admin();
  await admin.connect();
  await admin.ensureTopics(topicSpecs(config));
  await admin.disconnect();
  for (const name of ['status', 'quarantine'] as const) {
    const file = path.join(SCHEMAS, `${CANONICAL[name]}.avsc`);
    await serde.register(subjectForTopic(config.topics[name]), (await readSchemaFile(file)).schema);
  }
  const writeStatus = async (value: { ticketId: string }) => {
    const producer = messaging.producer();
    await producer.connect();
    const topic = config.topics.status;
    await producer.send(topic, [{ key: value.ticketId, value: await serde.encode(subjectForTopic(topic), value) }]);
    await producer.disconnect();
  };
  return { messaging, config, serde, writeStatus };
}

describe('KPI job on the real topics', () => {
  it('computes a month from the latest status of each ticket and the violations, and publishes it', async () => {
    const messaging = testMessaging();
    const { config } = await testConfig(3);
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics(topicSpecs(config));
    await admin.disconnect();
    const producer = messaging.producer();
    await producer.connect();
    const write = async (name: 'status' | 'quarantine', key: string, value: object) => {
      const topic = config.topics[name];
      await producer.send(topic, [{ key, value: await serde.encode(subjectForTopic(topic), value) }]);
    };
    // First with the v1 schemas, as a bridge before SLA clocks wrote; then with the shipped ones.
    for (const [name, file] of [
      ['status', path.join(HISTORY, CANONICAL.status, '001.avsc')],
      ['quarantine', path.join(HISTORY, CANONICAL.quarantine, '001.avsc')],
    ] as const) {
      await serde.register(subjectForTopic(config.topics[name]), (await readSchemaFile(file)).schema);
    }
    await write('status', 'A1', asV1(status('A1', 1, null)));
    await write('quarantine', 'Q1', asV1(violation('MISROUTE', 'solid-waste', '2026-10-06T10:00', null)));
    for (const name of ['status', 'quarantine'] as const) {
      const file = path.join(SCHEMAS, `${CANONICAL[name]}.avsc`);
      await serde.register(subjectForTopic(config.topics[name]), (await readSchemaFile(file)).schema);
    }

    const statuses = [
      // A1: version 3 arrives before version 2; the version, not the order, says which is latest.
      status('A1', 3, {
        due: ['2026-10-05T09:00', '2026-10-12T09:00'],
        respondedAt: at('2026-10-02T09:00'),
        resolvedAt: at('2026-10-10T09:00'),
        days: [6, 8.5],
      }),
      status('A1', 2, { due: ['2026-10-05T09:00', '2026-10-12T09:00'] }),
      // A2: responded late, completed on time.
      status('A2', 5, {
        due: ['2026-10-06T09:00', '2026-10-20T09:00'],
        respondedAt: at('2026-10-08T09:00'),
        resolvedAt: at('2026-10-19T09:00'),
        days: [12, 15.25],
      }),
      // A3: on hold since before its completion fell due: that verdict is not known yet.
      status('A3', 2, {
        due: ['2026-10-03T09:00', '2026-10-16T09:00'],
        respondedAt: at('2026-10-01T09:00'),
        slaPausedAt: at('2026-10-14T09:00'),
      }),
      // A4: never answered, put on hold when already overdue: late twice, still open.
      status('A4', 2, { due: ['2026-10-02T09:00', '2026-10-09T09:00'], slaPausedAt: at('2026-10-12T09:00') }),
      // B1: solid-waste said "not ours"; housing responded exactly at the due instant.
      status(
        'B1',
        4,
        { due: ['2026-10-07T09:00', '2026-11-04T09:00'], respondedAt: at('2026-10-07T09:00') },
        { workOrders: [wo('solid-waste', true), wo('housing')] },
      ),
      // C1: a linked duplicate that was never routed.
      status('C1', 2, null, {
        lifecycleState: 'DUPLICATE',
        duplicateOf: 'A1',
        workOrders: [],
        requestedAt: at('2026-10-10T12:00'),
      }),
    ];
    for (const s of statuses) await write('status', s.ticketId, s);
    for (const v of [
      violation('PREMATURE_CLOSE', 'housing', '2026-10-08T10:00', null),
      violation('MISSING_PARENT', null, '2026-10-11T10:00', 'DUPLICATE'),
      violation('MISSING_PARENT', null, '2026-10-11T11:00', 'FOLLOW_UP'),
      violation('UNMAPPED_CODE', 'parks', '2026-10-11T12:00', null),
    ])
      await write('quarantine', v.ticketId, v);

    const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });
    const now = at('2026-11-03T12:00');
    const job = { config, messaging, serde, logger, month: '2026-10', now, timeZone: NY };
    const result = await runKpiJob({ ...job, publish: true });
    expect(result).toMatchObject({ tickets: 6, violations: 4, undecodable: 0, provisional: false, published: 4 });

    const base: KpiRecord = {
      definitionVersion: 3,
      department: '',
      month: '2026-10',
      computedAt: now,
      ...{ responseDue: 0, respondedOnTime: 0, respondedOnTimePct: null },
      ...{ completionDue: 0, completedOnTime: 0, completedOnTimePct: null, stillOpenPastDue: 0 },
      ...{ resolved: 0, medianBusinessDaysToResolve: null, p90BusinessDaysToResolve: null },
      medianCalendarDaysToResolve: null,
      prematureClosesBlocked: 0,
      ...{ duplicatesClosed: 0, duplicatesLinked: 0, duplicateLinkCoveragePct: null },
      misroutes: 0,
      ...{ drift: 0, closedByHand: 0 },
      accountable: null,
    };
    const want: KpiRecord[] = [
      // B1 responded at the due instant: on time. Its completion falls due in November.
      {
        ...base,
        department: 'housing',
        ...{ responseDue: 1, respondedOnTime: 1, respondedOnTimePct: 100 },
        prematureClosesBlocked: 1,
      },
      { ...base, department: 'solid-waste', misroutes: 1 },
      // Responses: A1, A3 on time; A2, A4 late. Completions: A1, A2 on time, A4 late (A3 left
      // out). Nearest rank of [6, 12] business days: median 6, p90 12; of [8.5, 15.25]: 8.5.
      {
        ...base,
        department: 'transportation',
        ...{ responseDue: 4, respondedOnTime: 2, respondedOnTimePct: 50 },
        ...{ completionDue: 3, completedOnTime: 2, completedOnTimePct: 66.7, stillOpenPastDue: 1 },
        ...{ resolved: 2, medianBusinessDaysToResolve: 6, p90BusinessDaysToResolve: 12 },
        medianCalendarDaysToResolve: 8.5,
      },
      // C1 linked; the refused duplicate link counts against it, the refused follow-up does not.
      { ...base, department: 'unrouted', duplicatesClosed: 1, duplicatesLinked: 1, duplicateLinkCoveragePct: 50 },
    ];
    expect(result.records).toEqual(want);

    const { records, values } = await readCommitted<KpiRecord>(messaging, config.topics.kpi);
    expect(records.map((r) => r.key?.toString()).sort()).toEqual(want.map((r) => `${r.department}|2026-10`));
    expect([...values].sort((a, b) => a.department.localeCompare(b.department))).toEqual(want);

    // A record nobody can decode is counted, and the figures that miss it are not published.
    await producer.send(config.topics.status, [{ key: 'Z9', value: Buffer.from('not avro') }]);
    await producer.disconnect();
    const again = await runKpiJob({ ...job, publish: true });
    expect(again).toMatchObject({ tickets: 6, undecodable: 1, published: 0 });
    expect(again.records).toEqual(want);
    // As the operator's command says it: the figures, and the line that they miss a record.
    const out: string[] = [];
    const err: string[] = [];
    const args = { month: '2026-10', publish: true, now: '2026-11-03T12:00' };
    expect(
      await runKpi(
        args,
        config,
        logger,
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(1);
    expect(out.length).toBeGreaterThan(0);
    expect(err).toEqual([
      'closeloop: CL_INPUTS_UNREAD: 1 input record(s) could not be read and are missing from these figures; ' +
        'nothing was published (--allow-unreadable publishes anyway) (their positions are in the log)',
    ]);
    // The volume figures read the same status topic, and say so alike.
    const volumeErr: string[] = [];
    const volume = await runVolume(
      { format: 'json' },
      config,
      logger,
      () => undefined,
      (l) => volumeErr.push(l),
    );
    expect(volume).toBe(1);
    expect(volumeErr).toEqual([
      'closeloop: CL_INPUTS_UNREAD: 1 status record(s) could not be read and are missing from these figures ' +
        '(their positions are in the log)',
    ]);
    // The topic keeps that record for good; the operator may publish without it, knowingly.
    const anyway = await runKpiJob({ ...job, publish: true, allowUnreadable: true });
    expect(anyway).toMatchObject({ undecodable: 1, published: 4 });
  });

  it("keeps a month provisional until it is over in the zone of every ticket, not only the city's", async () => {
    const { messaging, config, serde, writeStatus } = await setup();
    const LA = 'America/Los_Angeles';
    // Its completion target ends at midnight in Los Angeles on 1 November: it falls due on 31 October there.
    const dueAt = Date.parse('2026-11-01T07:00:00Z');
    await writeStatus(
      status(
        'W1',
        2,
        { due: ['2026-10-20T09:00', '2026-10-30T09:00'], respondedAt: at('2026-10-19T09:00') },
        { slaTimeZone: LA, completionDueAt: dueAt, workOrders: [wo('parks')] },
      ),
    );
    const job = { config, messaging, serde, logger: logger(), month: '2026-10', timeZone: NY, publish: false };
    // October is over in New York, not yet in Los Angeles: W1's verdict is still to come.
    const running = await runKpiJob({ ...job, now: dueAt - 2 * 3_600_000 });
    expect(running).toMatchObject({ provisional: true, provisionalIn: LA });
    expect(running.records).toMatchObject([{ department: 'parks', completionDue: 0 }]);
    const out: string[] = [];
    const args = { month: '2026-10', now: new Date(dueAt - 2 * 3_600_000).toISOString() };
    expect(
      await runKpi(
        args,
        config,
        logger(),
        (l) => out.push(l),
        () => undefined,
      ),
    ).toBe(0);
    expect(out.at(-1)).toMatch(
      /^KPI definition v\d+, month 2026-10, provisional: the month is not over in America\/Los_Angeles as of /,
    );
    // Once it is over there too, the figures are final: W1 is late and still open.
    const over = await runKpiJob({ ...job, now: dueAt + 1 });
    expect(over).toMatchObject({ provisional: false, provisionalIn: null });
    expect(over.records).toMatchObject([{ department: 'parks', completionDue: 1, stillOpenPastDue: 1 }]);
  });

  it('withdraws with a tombstone a department of the month that has no figures any more', async () => {
    const { messaging, config, serde, writeStatus } = await setup();
    const due = { due: ['2026-10-05T09:00', '2026-10-12T09:00'] as const, respondedAt: at('2026-10-02T09:00') };
    await writeStatus(status('S1', 2, due, { workOrders: [wo('solid-waste')] }));
    await writeStatus(status('T1', 2, due));
    // Another month's record of the same department is not this run's to touch.
    const november = { ...due, due: ['2026-11-05T09:00', '2026-11-12T09:00'] as const };
    await writeStatus(status('S2', 2, november, { workOrders: [wo('solid-waste')] }));
    const job = { config, messaging, serde, logger: logger(), timeZone: NY, publish: true };
    await runKpiJob({ ...job, month: '2026-11', now: at('2026-12-03T12:00') });
    const first = await runKpiJob({ ...job, month: '2026-10', now: at('2026-11-03T12:00') });
    expect(first.records.map((r) => r.department)).toEqual(['solid-waste', 'transportation']);
    expect(first.published).toBe(2);

    // S1 turns out to have been transportation's all along: solid-waste has no October figures now.
    await writeStatus(status('S1', 3, due));
    const out: string[] = [];
    const args = { month: '2026-10', publish: true, now: '2026-11-04T12:00-05:00' };
    expect(
      await runKpi(
        args,
        config,
        logger(),
        (l) => out.push(l),
        () => undefined,
      ),
    ).toBe(0);
    // What a reader of the compacted topic keeps: the latest record of each key, a tombstone removing it.
    const latest = new Map<string, Buffer | null>();
    for (const r of await readCommittedRaw(messaging, config.topics.kpi)) {
      const key = r.key?.toString() ?? '';
      if (key.includes('|')) latest.set(key, r.value);
    }
    expect(
      [...latest]
        .filter(([, v]) => v !== null)
        .map(([k]) => k)
        .sort(),
    ).toEqual(['solid-waste|2026-11', 'transportation|2026-10']);
    expect(latest.get('solid-waste|2026-10')).toBeNull();
    const held = (await serde.decode<KpiRecord>(latest.get('transportation|2026-10') ?? null)).value;
    expect(held).toMatchObject({ responseDue: 2, respondedOnTime: 2 });
    // The command says what it did: one record replaced, one withdrawn.
    expect(out.slice(-2)).toEqual([
      `published 1 record(s) to ${config.topics.kpi}`,
      `withdrew 1 record(s) of 2026-10 from ${config.topics.kpi}: departments with no figures now`,
    ]);

    // A run that finds nothing more to withdraw writes no tombstone again.
    expect(await runKpiJob({ ...job, month: '2026-10', now: at('2026-11-05T12:00') })).toMatchObject({
      published: 1,
      withdrawn: 0,
    });
  });
});
