import { afterAll, describe, expect, it } from 'vitest';
import { resetOrderCommand, runWorkOrder } from '../../../src/cli/workorder-command.ts';
import type { TicketStatusChange, Violation } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { LifecycleProcessor } from '../../../src/processor/index.ts';
import { Bridge, crm, dept } from '../../support/domain.ts';
import { recordFault, statusTally } from '../../support/fault-report.ts';
import { testMessaging } from '../../support/kafka.ts';
import { awaitCount, feed, readCommitted, step, testConfig, testProcessor } from '../../support/processor.ts';

const messaging = testMessaging();
const running: LifecycleProcessor[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => undefined)));
});

const transportation = { department: 'transportation' };

describe('fault path 4: an absurd sequence', () => {
  it('quarantines the jump without applying it; later events apply, and reset-order lets a legitimate jump through', async () => {
    const { config } = await testConfig(3);
    const expected = new Bridge(config.policy);
    const processor = testProcessor(config, messaging);
    running.push(processor);
    await processor.start();
    await step(config, messaging, expected, [
      crm('Q1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
      crm('Q2', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    ]);
    await step(config, messaging, expected, [
      dept('Q1', 'Q1#1', 'maximo', 'APPR', 2, transportation),
      dept('Q2', 'Q2#1', 'maximo', 'APPR', 2, transportation),
    ]);

    // One corrupted sequence: before, it froze the work order for good (every later event stale).
    const absurd = dept('Q1', 'Q1#1', 'maximo', 'WSCH', 700_000, transportation);
    expected.send(absurd);
    const fedAt = Date.now();
    await feed(config, messaging, [absurd]);
    await awaitCount(messaging, config.topics.quarantine, 1);
    const detectedAfterMs = Date.now() - fedAt;
    await step(config, messaging, expected, [
      dept('Q1', 'Q1#1', 'maximo', 'INPRG', 3, transportation),
      dept('Q1', 'Q1#1', 'maximo', 'COMP', 4, transportation),
    ]);

    // The department renumbered its feed: the jump is real, but looks the same until an
    // operator says so.
    await step(config, messaging, expected, [dept('Q2', 'Q2#1', 'maximo', 'WSCH', 5_000_000, transportation)]);
    await awaitCount(messaging, config.topics.quarantine, 2);
    const args = { ticket: 'Q2', workOrder: 'Q2#1', by: 'alice', reason: 'maximo renumbered its change feed' };
    const printed: string[] = [];
    const code = await runWorkOrder(
      'reset-order',
      args,
      config,
      createLogger({ level: 'silent' }),
      (l) => printed.push(l),
      (l) => printed.push(l),
    );
    expect(code).toBe(0);
    expect(printed[0]).toMatch(
      /^sent reset-order for ticket Q2, work order Q2#1, by alice \(maximo renumbered its change feed\) as command \S+ to /,
    );
    expected.send({ type: 'operator', event: resetOrderCommand(args, config.jurisdiction, Date.now()) });
    // Inputs of different topics are not ordered against each other: the next event goes once
    // the reset is recorded (in the same transaction as the state it changed).
    await awaitCount(messaging, config.topics.quarantine, 3);
    await step(config, messaging, expected, [
      dept('Q2', 'Q2#1', 'maximo', 'INPRG', 5_000_001, transportation),
      dept('Q2', 'Q2#1', 'maximo', 'COMP', 5_000_002, transportation),
    ]);
    await processor.stop();
    running.splice(running.indexOf(processor), 1);

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    const last = (id: string) => values.filter((s) => s.ticketId === id).at(-1);
    expect(last('Q1')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', version: 4 });
    expect(last('Q2')).toMatchObject({ crmStatus: 'CLOSED', lifecycleState: 'RESOLVED', version: 4 });
    expect(values.map((s) => `${s.ticketId} v${s.version}`).sort()).toEqual(
      expected.statuses.map((s) => `${s.ticketId} v${s.version}`).sort(),
    );
    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    // Sorted: the two tickets' records may sit on different partitions.
    expect(quarantine.values.map((v) => [v.ticketId, v.kind, v.workOrderId]).sort()).toEqual([
      ['Q1', 'IMPLAUSIBLE_SEQUENCE', 'Q1#1'],
      ['Q2', 'IMPLAUSIBLE_SEQUENCE', 'Q2#1'],
      ['Q2', 'ORDER_RESET', 'Q2#1'],
    ]);
    expect(quarantine.values.find((v) => v.kind === 'ORDER_RESET')?.detail).toBe(
      'reset-order by alice: maximo renumbered its change feed; watermark was 2, the next event of the work order applies',
    );
    const tally = statusTally(values);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    recordFault({ path: '4 absurd sequence', detectedAfterMs, recovered: true, ...tally });
  }, 180_000);
});
