import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  partitionFor,
  type Messaging,
  type MessagingAdmin,
} from '../../../src/messaging/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { gate } from '../../support/gate.ts';
import { crm, dept } from '../../support/domain.ts';
import {
  inMemoryProcessor,
  inMemorySetup,
  sendEach,
  statusBrief,
  statusBriefs,
  untilInputsRead,
} from '../../support/in-memory-processor.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

/** A first member started on `messaging` (over `inner`), once it has opened the tickets. */
async function startWithTickets(
  base: Awaited<ReturnType<typeof inMemorySetup>>,
  messaging: Messaging,
  inner: Messaging,
  tickets: readonly string[],
) {
  const a = await inMemoryProcessor(cleanup, { ...base, messaging });
  const admin = inner.admin();
  const producer = inner.producer();
  await sendEach(
    producer,
    base,
    tickets.map((t) => crm(t, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
  );
  await untilInputsRead(admin, base.config);
  return { a, admin, producer };
}

describe('a member that keeps partitions across a rebalance', () => {
  it('goes on with their tickets in memory, reads only the changelog of what it did not hold, and decides alike', async () => {
    const base = await inMemorySetup(cleanup, 3);
    const { config, serde, expected } = base;
    const inner = createInMemoryMessaging();
    // The changelog reads of the first member: a restore reads with a consumer of its own.
    const reads: string[] = [];
    const first: Messaging = {
      ...inner,
      consumer: (o) => {
        if (o.groupId.startsWith('closeloop-read-')) reads.push(o.groupId);
        return inner.consumer(o);
      },
    };
    const tickets = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9'];
    // With two members, the first keeps partitions 0 and 1 (it claims all three, so it keeps the
    // larger share, its lowest) and 2 goes to the second (dealCoPartitioned).
    expect(new Set(tickets.map((t) => partitionFor(t, 3)))).toEqual(new Set([0, 1, 2]));
    const { a, admin, producer } = await startWithTickets(base, first, inner, tickets);
    expect(a.assigned).toEqual([0, 1, 2]);
    expect(reads).toEqual([]);

    const keeps = a.processor.nextAssignment();
    const b = await inMemoryProcessor(cleanup, { ...base, messaging: inner });
    expect(b.assigned).toEqual([2]);
    expect(await keeps).toEqual([0, 1]);
    // Its changelog holds the tickets of 0 and 1, which only the first member wrote: not read again.
    expect(reads).toEqual([]);

    // Every ticket moves on from the state its owner has: kept in memory on 0 and 1, read on 2.
    await sendEach(
      producer,
      base,
      tickets.map((t) => dept(t, `${t}#1`, 'maximo', 'APPR', 2, { department: 'transportation' })),
    );
    await untilInputsRead(admin, config);
    await b.processor.stop();
    await a.processor.stop();
    const written = await statusBriefs(inner, serde, config);
    const byTicket = (list: readonly string[]) => [...list].sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
    expect(byTicket(written)).toEqual(byTicket(expected.statuses.map(statusBrief)));
    expect(written.filter((s) => s.includes(' v2 '))).toHaveLength(tickets.length);
  });

  it('still keeps them when the assignment is tried again after it failed', async () => {
    const base = await inMemorySetup(cleanup, 3);
    const { config } = base;
    const inner = createInMemoryMessaging();
    const reads: string[] = [];
    // The first member's admin refuses one topic-id lookup when armed: its next assignment fails
    // once (after its tasks are retired), and the consumer calls it again.
    let failures = 0;
    const first: Messaging = {
      ...inner,
      consumer: (o) => {
        if (o.groupId.startsWith('closeloop-read-')) reads.push(o.groupId);
        return inner.consumer(o);
      },
      admin: () => {
        const real = inner.admin();
        return new Proxy(real, {
          get: (target, name) => {
            if (name === 'topicId' && failures > 0)
              return () => {
                failures -= 1;
                return Promise.reject(new CloseloopError('CL_KAFKA_TRANSIENT', 'topic id not answered'));
              };
            const v = Reflect.get(target, name, target) as unknown;
            // Its methods keep the real admin as `this` (they read its private fields).
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }) as MessagingAdmin;
      },
    };
    const a = await inMemoryProcessor(cleanup, { ...base, messaging: first });
    const admin = inner.admin();
    await sendEach(
      inner.producer(),
      base,
      ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'].map((t) => crm(t, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
    );
    await untilInputsRead(admin, config);
    failures = 1;
    const keeps = a.processor.nextAssignment();
    const b = await inMemoryProcessor(cleanup, { ...base, messaging: inner });
    expect(b.assigned).toEqual([2]);
    expect(await keeps).toEqual([0, 1]);
    expect(failures).toBe(0);
    expect(reads).toEqual([]);
  });

  it('has a commit caught by the rebalance refused, its records decided again under the new generation, once', async () => {
    const base = await inMemorySetup(cleanup, 3);
    const { config, serde } = base;
    const inner = createInMemoryMessaging();
    const reads: string[] = [];
    // Armed, the first member's next transaction waits before its offsets go, as a turn caught
    // mid-commit by a rebalance does; what the group answered them is kept.
    const held = gate();
    let armed = false;
    let holding = false;
    const answers: string[] = [];
    const first = wrapMessaging(
      {
        ...inner,
        consumer: (o) => {
          if (o.groupId.startsWith('closeloop-read-')) reads.push(o.groupId);
          return inner.consumer(o);
        },
      },
      {
        transaction: (tx) =>
          overTransaction(tx, {
            sendOffsets: async (group, offsets) => {
              if (!armed) return tx.sendOffsets(group, offsets);
              armed = false;
              holding = true;
              await held.opened;
              const sent = tx.sendOffsets(group, offsets);
              answers.push(
                await sent.then(
                  () => 'taken',
                  (err: unknown) => (err instanceof CloseloopError ? err.code : String(err)),
                ),
              );
              return sent;
            },
          }),
      },
    );
    const tickets = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9'];
    const { a, admin, producer } = await startWithTickets(base, first, inner, tickets);

    // A department event on partition 0, which the first member keeps: its turn waits mid-commit
    // while a second member joins and the group moves to a new generation.
    const onZero = tickets.find((t) => partitionFor(t, 3) === 0) ?? 'T1';
    armed = true;
    await sendEach(producer, base, [
      dept(onZero, `${onZero}#1`, 'maximo', 'APPR', 2, { department: 'transportation' }),
    ]);
    await until('the first member’s commit held', () => holding, 5_000);
    const keeps = a.processor.nextAssignment();
    const b = await inMemoryProcessor(cleanup, { ...base, messaging: inner });
    expect(b.assigned).toEqual([2]);
    held.open();
    expect(await keeps).toEqual([0, 1]);
    await untilInputsRead(admin, config);
    // Offsets of the generation before were refused (and the rest of that transaction aborted)...
    expect(answers).toEqual(['CL_KAFKA_NOT_MEMBER']);
    // ...the member kept partition 0's tickets all the same, the aborted records counted...
    expect(reads).toEqual([]);
    await b.processor.stop();
    await a.processor.stop();
    // ...and its next task decided the event again: one status for it, not two.
    const written = await statusBriefs(inner, serde, config);
    expect(written.filter((w) => w.startsWith(`${onZero} v2 `))).toHaveLength(1);
  });
});
