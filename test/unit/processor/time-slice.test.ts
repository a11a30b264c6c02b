import { setImmediate as loopTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createInMemoryMessaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { SLICE_MS, TimeSlice } from '../../../src/processor/time-slice.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import { inMemorySetup, sendEach, untilInputsRead } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';

const cleanup = cleanupAfter('each');

/** Keeps the thread busy for `ms`, as deciding records does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('TimeSlice', () => {
  it('is due once the slice is spent, looking at the clock every 32 records', () => {
    let now = 1_000;
    const slice = new TimeSlice(() => now);
    expect(Array.from({ length: 64 }, () => slice.due())).not.toContain(true);
    now += SLICE_MS;
    const calls = Array.from({ length: 32 }, () => slice.due());
    // Only the 32nd call of a round looks at the clock.
    expect(calls.indexOf(true)).toBe(31);
    expect(calls.filter(Boolean)).toHaveLength(1);
  });

  it('lets timers and I/O run when it yields, and starts a new slice after', async () => {
    let now = 1_000;
    const slice = new TimeSlice(() => now);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    // Kept busy past the timer's time, as deciding records keeps the thread.
    busy(2);
    now += SLICE_MS;
    await slice.yield();
    expect(Array.from({ length: 64 }, () => slice.due())).not.toContain(true);
    // A timer that was due runs at the latest one loop turn after the yield's.
    if (!fired) await loopTurn();
    expect(fired).toBe(true);
  });
});

describe('the processor deciding a long turn', () => {
  it('lets the event loop run between slices of it, so a timer does not wait for the commit', async () => {
    const base = await inMemorySetup(cleanup, 1);
    const messaging = createInMemoryMessaging();
    const options = {
      config: base.config,
      messaging,
      serde: base.serde,
      logger: createLogger({ level: 'silent' }),
      schemasDir: SCHEMAS,
    };
    // A first start creates the topics and registers the schemas the events are written with.
    const provisioning = new LifecycleProcessor(options);
    await provisioning.start();
    await provisioning.stop();
    const tickets = Array.from({ length: 3_000 }, (_, i) => `T${i + 1}`);
    // Written before the processor starts again: its first fetch takes them in one batch, one turn.
    await sendEach(
      messaging.producer(),
      base,
      tickets.map((t) => crm(t, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
    );
    let decided = 0;
    let timerAt: number | null = null;
    const commits: { decided: number; timerAt: number | null }[] = [];
    const processor = new LifecycleProcessor({
      ...options,
      // Read once per record decided: the first one sets a timer, and each counts.
      clock: () => {
        decided += 1;
        if (decided === 1) setTimeout(() => (timerAt = decided), 0);
        return base.expected.now;
      },
      commitHook: { before: () => void commits.push({ decided, timerAt }) },
    });
    await processor.start();
    cleanup.push(() => processor.stop());
    await untilInputsRead(messaging.admin(), base.config);
    const first = commits[0];
    // One turn for most of the records, over several slices (each record takes far more than
    // SLICE_MS / 3,000 to decide), and the timer ran in one of them, before the turn's commit.
    expect(first?.decided).toBeGreaterThan(tickets.length / 2);
    expect(first?.timerAt).not.toBeNull();
    expect(first?.timerAt).toBeLessThan(first?.decided ?? 0);
  });
});
