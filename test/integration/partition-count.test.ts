import { afterAll, describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { TicketStatusChange, Violation } from '../../src/domain/index.ts';
import { AvroSerde, partitionFor, subjectForTopic, type MessagingAdmin } from '../../src/messaging/index.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { coPartitionedTopics } from '../../src/processor/provision.ts';
import { REPARTITION_HEADERS } from '../../src/processor/repartition.ts';
import { repartitionTopic } from '../../src/topics/index.ts';
import { dept, openedTickets } from '../support/domain.ts';
import { flightRecorder } from '../support/flight-recorder.ts';
import { endpoints, growTopics, testMessaging } from '../support/kafka.ts';
import { awaitCount, feed, readCommitted, readCommittedRaw, testConfig, testProcessor } from '../support/processor.ts';
import { untilAsync } from '../support/wait.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

/** The config with processor.partitions raised, as an operator sets it after growing the topics. */
const raised = (config: CloseloopConfig, partitions: number): CloseloopConfig => ({
  ...config,
  processor: { ...config.processor, partitions },
});

/** Until the group has read `topic` to the end it has now (partitions never written need nothing). */
async function consumed(admin: MessagingAdmin, config: CloseloopConfig, topic: string): Promise<void> {
  const ends = await admin.topicOffsets(topic);
  await untilAsync(`${topic} read to its end`, async () => {
    const read = await admin.groupOffsets(config.processor.groupId, topic);
    return ends.every((e) => e.high === '0' || read.find((r) => r.partition === e.partition)?.offset === e.high);
  });
}

/** The department's acceptance of openedTickets' ticket `A-i`: Maximo's for odd i, SAP PM's for even. */
const ackOf = (id: string) =>
  Number(id.slice(2)) % 2 ? dept(id, `${id}#1`, 'maximo', 'APPR', 2) : dept(id, `${id}#1`, 'sap-pm', 'REL', 2);

describe('raising processor.partitions with every co-partitioned topic grown to match', () => {
  it('moves each open ticket’s state to its new partition at start; every ticket’s events then meet it', async () => {
    const rec = flightRecorder('partition-count');
    const { config } = await testConfig(2);
    const admin = messaging.admin();
    await admin.connect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const tickets = Array.from({ length: 8 }, (_, i) => `A-${i}`);
    const moving = tickets.filter((k) => partitionFor(k, 2) !== partitionFor(k, 3));
    const [late] = moving;
    if (!late) throw new Error('no ticket whose partition moves from 2 to 3');

    const first = testProcessor(config, messaging);
    running.push(first);
    await rec.step('start at 2 partitions', first.start());
    await feed(config, messaging, openedTickets('A', 8));
    await rec.step('the tickets read', consumed(admin, config, config.topics.crmEvents));
    await rec.step('stop', first.stop());

    await rec.step('grow every co-partitioned topic to 3', growTopics(coPartitionedTopics(config), 3));
    // One department event the processor had forwarded (at 2 partitions) and not yet read back.
    const event = { departmentRef: null, ...ackOf(late).event };
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(repartitionTopic(config, 'deptEvents'), [
      {
        key: late,
        value: await serde.encode(subjectForTopic(config.topics.deptEvents), event),
        partition: partitionFor(late, 2),
        headers: {
          [REPARTITION_HEADERS.topic]: config.topics.deptEvents,
          [REPARTITION_HEADERS.partition]: '0',
          [REPARTITION_HEADERS.offset]: '0',
        },
      },
    ]);
    await producer.disconnect();

    const config3 = raised(config, 3);
    const second = testProcessor(config3, messaging, undefined, { logger: rec.logger });
    running.push(second);
    const assigned = second.nextAssignment();
    await rec.step('start at 3 partitions', second.start());
    expect(await assigned).toEqual([0, 1, 2]);
    expect(second.ticketsInState()).toEqual(
      new Map([0, 1, 2].map((p) => [p, tickets.filter((k) => partitionFor(k, 3) === p).length])),
    );
    const changelog = await readCommittedRaw(messaging, config.topics.state);
    const latest = new Map(changelog.map((r) => [`${r.key?.toString()}@${r.partition}`, r.value]));
    const live = [...latest].filter(([, v]) => v !== null).map(([k]) => k);
    expect(live.sort()).toEqual(tickets.map((k) => `${k}@${partitionFor(k, 3)}`).sort());

    // Every other ticket's department takes its work order, as producers place it now.
    await feed(config3, messaging, tickets.filter((k) => k !== late).map(ackOf));
    // Each ticket's ROUTED, then its ACCEPTED: an acknowledgement decided in a task without its
    // ticket would be quarantined instead.
    await rec.step('every ticket accepted', awaitCount(messaging, config.topics.status, 16));
    await rec.step('stop', second.stop());
    await admin.disconnect();

    const statuses = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    // In version order: a ticket's statuses before the change are on its old partition.
    const history = (id: string) =>
      statuses.values
        .filter((v) => v.ticketId === id)
        .sort((a, b) => a.version - b.version)
        .map((v) => v.lifecycleState);
    expect(Object.fromEntries(tickets.map((k) => [k, history(k)]))).toEqual(
      Object.fromEntries(tickets.map((k) => [k, ['ROUTED', 'ACCEPTED']])),
    );
    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    expect(quarantine.values.map((v) => `${v.ticketId} ${v.kind}`)).toEqual([]);
  }, 120_000);
});
