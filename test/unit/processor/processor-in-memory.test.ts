import { describe, expect, it } from 'vitest';
import type { InboundEvent, TicketStatusChange, WorkOrderCommand } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  partitionFor,
  readToEnd,
  subjectForTopic,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { failAfterCommit } from '../../../src/processor/index.ts';
import { crm, dept } from '../../support/domain.ts';
import { inMemoryProcessor, inMemorySetup, sendEach, untilInputsRead } from '../../support/in-memory-processor.ts';
import { gate } from '../../support/gate.ts';
import { untilAsync } from '../../support/wait.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('each');

const brief = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;

const setup = (partitions: number) => inMemorySetup(cleanup, partitions);

const started = (o: Parameters<typeof inMemoryProcessor>[1]) => inMemoryProcessor(cleanup, o);

describe('lifecycle processor on the in-memory messaging', () => {
  it('decides a CRM and department sequence and commits each output exactly once through failed commits', async () => {
    const base = await setup(3);
    const { serde, config, expected } = base;
    const inner = createInMemoryMessaging();
    // The first commit fails before it reaches the broker (the batch is aborted and fetched
    // again); the third is reported failed after it committed (a lost EndTxn answer).
    let commits = 0;
    const messaging: Messaging = wrapMessaging(inner, {
      transaction: (tx) =>
        overTransaction(tx, {
          commit: async () => {
            commits += 1;
            if (commits === 1) throw new CloseloopError('CL_KAFKA_TRANSIENT', 'injected: commit lost on the way');
            await tx.commit();
          },
        }),
    });
    const { processor, assigned } = await started({ ...base, messaging, commitHook: failAfterCommit(2) });
    expect(assigned).toEqual([0, 1, 2]);

    const admin = inner.admin();
    const producer = inner.producer();
    const feed = async (events: readonly InboundEvent[]) => {
      await sendEach(producer, base, events);
      await untilInputsRead(admin, config);
    };
    const read = async <T>(topic: string) => {
      const values: T[] = [];
      await readToEnd(
        inner,
        admin,
        topic,
        'all',
        async (r) => void values.push((await serde.decode<T>(r.value)).value),
      );
      return values;
    };

    await feed([
      crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('T2', 'OPENED', 1, { serviceCode: 'GRASS' }),
      crm('T3', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ]);
    await feed([
      dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      dept('T2', 'T2#1', 'posse', 'ASSIGNED_CLOSED', 2, { department: 'housing' }),
      dept('T1', 'T1#1', 'maximo', 'COMP', 3, { department: 'transportation', note: 'Patched.' }),
      dept('T3', 'T3#1', 'maximo', 'BOGUS', 2, { department: 'transportation' }),
    ]);
    await processor.stop();

    expect(commits).toBeGreaterThan(2);
    const statuses = await read<TicketStatusChange>(config.topics.status);
    const byTicket = (list: readonly TicketStatusChange[]) =>
      [...list].map(brief).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(byTicket(statuses)).toEqual(byTicket(expected.statuses));
    expect(statuses.filter((s) => s.ticketId === 'T1').at(-1)?.crmStatus).toBe('CLOSED');
    // T2's department closed its job at assignment: the ticket stays open.
    expect(statuses.filter((s) => s.ticketId === 'T2').at(-1)?.crmStatus).toBe('OPEN');
    const commands = await read<WorkOrderCommand>(config.topics.commands);
    expect(commands.map((c) => c.commandId).sort()).toEqual(expected.commands.map((c) => c.commandId).sort());
    const quarantine = await read<{ ticketId: string; kind: string }>(config.topics.quarantine);
    expect(quarantine.map((v) => `${v.ticketId} ${v.kind}`).sort()).toEqual(['T2 PREMATURE_CLOSE', 'T3 UNMAPPED_CODE']);
  });

  it('writes a ticket that several events of one batch moved once to the changelog, with its last state', async () => {
    const base = await setup(1);
    const { serde, config, expected } = base;
    const messaging = createInMemoryMessaging();
    const { processor } = await started({ ...base, messaging });
    const admin = messaging.admin();
    const producer = messaging.producer();
    // All of one send reaches the processor in one batch: one transaction.
    const send = async (events: readonly InboundEvent[]) => {
      const topic = events[0]?.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
      const records = [];
      for (const e of events) {
        expected.send(e);
        const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
        records.push({ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) });
      }
      await producer.send(topic, records);
      const [end] = await admin.topicOffsets(topic);
      await untilAsync(`the processor to read ${topic}`, async () => {
        const [read] = await admin.groupOffsets(config.processor.groupId, topic);
        return read?.offset === end?.high;
      });
    };
    await send([crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' })]);
    await send([
      dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }),
      dept('T1', 'T1#1', 'maximo', 'WSCH', 3, { department: 'transportation' }),
      dept('T1', 'T1#1', 'maximo', 'COMP', 4, { department: 'transportation', note: 'Patched.' }),
    ]);
    await processor.stop();

    const states: { ticketId: string; state: string; version: number }[] = [];
    await readToEnd(messaging, admin, config.topics.state, 'all', async (r) => {
      states.push((await serde.decode<{ ticketId: string; state: string; version: number }>(r.value)).value);
    });
    // Four events, two transactions: two changelog records, the second with the ticket as it ended.
    expect(states.map((s) => `${s.ticketId} ${s.state} v${s.version}`)).toEqual([
      `T1 ROUTED v${expected.statusesOf('T1')[0]?.version}`,
      `T1 ${expected.ticket('T1').state} v${expected.ticket('T1').version}`,
    ]);
    expect(expected.ticket('T1').state).toBe('RESOLVED');
    expect(expected.statusesOf('T1').length).toBeGreaterThan(2);
  });

  it("puts a task's batches that arrive while it commits into its next transaction, in the order they came", async () => {
    const base = await setup(1);
    const { serde, config, expected } = base;
    const inner = createInMemoryMessaging();
    // The first commit waits for the gate; meanwhile a CRM batch and a department batch arrive.
    const commitGate = gate();
    const txs: { topics: string[]; offsets: string[] }[] = [];
    const handed: string[] = [];
    const wrapped: Messaging = wrapMessaging(inner, {
      transaction: (tx) => {
        const seen = { topics: [] as string[], offsets: [] as string[] };
        txs.push(seen);
        return overTransaction(tx, {
          sendMany: (byTopic) => {
            seen.topics.push(...byTopic.keys());
            return tx.sendMany(byTopic);
          },
          sendOffsets: (group, offsets) => {
            seen.offsets.push(...offsets.map((o) => `${o.topic}@${o.offset}`));
            return tx.sendOffsets(group, offsets);
          },
          commit: async () => {
            if (txs.length === 1) await commitGate.opened;
            await tx.commit();
          },
        });
      },
    });
    const messaging: Messaging = {
      ...wrapped,
      consumer: (o) => {
        const consumer = wrapped.consumer(o);
        const run = consumer.run.bind(consumer);
        consumer.run = (h) =>
          run({
            ...h,
            eachBatch: (b) => {
              handed.push(b.topic);
              return h.eachBatch(b);
            },
          });
        return consumer;
      },
    };
    const { processor } = await started({ ...base, messaging });
    const producer = inner.producer();
    const send = async (topic: string, e: InboundEvent) => {
      expected.send(e);
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      await producer.send(topic, [{ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) }]);
    };
    await send(config.topics.crmEvents, crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    await untilAsync('the first transaction to commit', async () => txs.length === 1 && txs[0]?.offsets.length === 1);
    // Each from an input partition of its own: one partition's batches come one after another.
    await send(config.topics.deptEvents, dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    const { envelope } = crm('T1', 'OPENED', 3).event;
    const reset = {
      envelope,
      ticketId: 'T1',
      kind: 'RESET_ORDER',
      workOrderId: null,
      by: 'ops',
      reason: 'test',
    } as const;
    await send(config.topics.operatorCommands, { type: 'operator', event: reset });
    const admin = inner.admin();
    // Both are handed over while the first commit waits at the gate.
    await untilAsync('both batches to reach the processor', async () => handed.length === 3);
    commitGate.open();
    await untilAsync('the second transaction to commit', async () => {
      const [read] = await admin.groupOffsets(config.processor.groupId, config.topics.operatorCommands);
      return read?.offset === '1';
    });
    await processor.stop();

    expect(txs.map((t) => t.offsets.sort())).toEqual([
      [`${config.topics.crmEvents}@1`],
      [`${config.topics.deptEvents}@1`, `${config.topics.operatorCommands}@1`].sort(),
    ]);
    const statuses: TicketStatusChange[] = [];
    await readToEnd(inner, admin, config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    expect(statuses.map(brief)).toEqual(expected.statuses.map(brief));
  });

  it('commits every output exactly once when a second processor takes a partition whose commit the first still holds', async () => {
    const base = await setup(3);
    const { serde, config, expected } = base;
    const inner = createInMemoryMessaging();
    // The first processor's commit of the held ticket waits at the gate.
    const commitGate = gate();
    let holding = false;
    let failedAfterGate = 0;
    const first: Messaging = wrapMessaging(inner, {
      transaction: (tx) => {
        let held = false;
        return overTransaction(tx, {
          sendMany: (byTopic) => {
            held = !holding && [...byTopic.values()].some((rs) => rs.some((r) => String(r.key) === HELD));
            return tx.sendMany(byTopic);
          },
          commit: async () => {
            if (!held) return tx.commit();
            holding = true;
            await commitGate.opened;
            return tx.commit().catch((err: unknown) => {
              failedAfterGate += 1;
              throw err;
            });
          },
        });
      },
    });
    // With two members, partition 2 goes to the second: the first, which owned all three, keeps
    // the larger share, its lowest (dealCoPartitioned).
    const HELD = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'].find((t) => partitionFor(t, 3) === 2) ?? 'none';
    const OTHERS = ['T7', 'T8', 'T9', 'T10'].filter((t) => partitionFor(t, 3) !== 2);
    const a = await started({ ...base, messaging: first });
    const admin = inner.admin();
    const producer = inner.producer();
    const send = (events: readonly InboundEvent[]) => sendEach(producer, base, events);
    await send(OTHERS.map((t) => crm(t, 'OPENED', 1, { serviceCode: 'POTHOLE' })));
    await send([crm(HELD, 'OPENED', 1, { serviceCode: 'POTHOLE' })]);
    await untilAsync('the first processor holding its commit', async () => holding);
    // The second joins while that commit is held: the group is dealt again without waiting for
    // it, and the second's task for partition 2 fences the first's.
    const b = await started({ ...base, messaging: inner });
    expect(a.assigned).toEqual([0, 1, 2]);
    expect(b.assigned).toEqual([2]);
    commitGate.open();
    await send([dept(HELD, `${HELD}#1`, 'maximo', 'APPR', 2, { department: 'transportation' })]);
    await send(OTHERS.map((t) => dept(t, `${t}#1`, 'maximo', 'APPR', 2, { department: 'transportation' })));
    await untilInputsRead(admin, config);
    await b.processor.stop();
    await a.processor.stop();

    expect(failedAfterGate).toBe(1);
    const statuses: TicketStatusChange[] = [];
    await readToEnd(inner, admin, config.topics.status, 'all', async (r) => {
      statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
    });
    const sorted = (list: readonly TicketStatusChange[]) =>
      list.map(brief).sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
    expect(sorted(statuses)).toEqual(sorted(expected.statuses));
    let commands = 0;
    await readToEnd(inner, admin, config.topics.commands, 'all', () => void (commands += 1));
    expect(commands).toBe(expected.commands.length);
    expect(commands).toBeGreaterThan(0);
  });
  it('starts a partition that never had a ticket while another member holds a transaction open on its own', async () => {
    const base = await setup(3);
    const { config } = base;
    const inner = createInMemoryMessaging();
    const commitGate = gate();
    let holding = false;
    const first: Messaging = wrapMessaging(inner, {
      transaction: (tx) =>
        overTransaction(tx, {
          commit: async () => {
            holding = true;
            await commitGate.opened;
            return tx.commit();
          },
        }),
    });
    // With two members, partition 0 stays the first's and partition 2 goes to the second (the
    // first keeps the larger share, its lowest: dealCoPartitioned). Partition 2 has had no ticket:
    // its changelog is empty, so the second asks the group's offsets of it before it starts it.
    const KEPT = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'].find((t) => partitionFor(t, 3) === 0) ?? 'none';
    const a = await started({ ...base, messaging: first });
    const admin = inner.admin();
    const producer = inner.producer();
    await sendEach(producer, base, [crm(KEPT, 'OPENED', 1, { serviceCode: 'POTHOLE' })]);
    await untilAsync('the first processor holding its commit open', async () => holding);
    // Started while that transaction, with offsets of partition 0, stays open: a stable read of
    // every partition's offsets would wait for it, and the gate opens only after this.
    const b = await started({ ...base, messaging: inner });
    expect(b.assigned).toEqual([2]);
    commitGate.open();
    await untilInputsRead(admin, config);
    await b.processor.stop();
    await a.processor.stop();
  });
});
