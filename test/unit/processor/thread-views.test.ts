import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Registry } from 'prom-client';
import { combinedMetrics, Metrics } from '../../../src/observability/metrics.ts';
import { combinedHealth, lostThreadMetrics, settledPartitions } from '../../../src/processor/thread-views.ts';

const reading = { state: 'reading', failingForMs: 0, reason: null } as const;

describe('a threaded processor seen as one', () => {
  it('is failing when a thread was lost or one is failing, naming each, else starting while one starts', () => {
    expect(combinedHealth([])).toBeNull();
    expect(
      combinedHealth([
        { index: 0, lost: null, lostForMs: 0, health: reading },
        { index: 1, lost: null, lostForMs: 0, health: null },
      ]),
    ).toEqual({
      state: 'starting',
      failingForMs: 0,
      reason: null,
    });
    expect(
      combinedHealth([
        { index: 0, lost: null, lostForMs: 0, health: reading },
        { index: 1, lost: null, lostForMs: 0, health: reading },
      ])?.state,
    ).toBe('reading');
    const failing = combinedHealth([
      {
        index: 0,
        lost: null,
        lostForMs: 0,
        health: { state: 'failing', failingForMs: 20_000, reason: 'fetching: broker down' },
      },
      // Its last report said reading; it is the loss, 45 s ago, that counts.
      { index: 1, lost: 'processor thread 1 exited (code 70)', lostForMs: 45_000, health: reading },
    ]);
    expect(failing).toEqual({
      state: 'failing',
      failingForMs: 45_000,
      reason: 'thread 0: fetching: broker down; processor thread 1 exited (code 70)',
    });
  });

  it("carries every thread's skips, oldest first, a lost thread's too", () => {
    const skip = (partition: number, at: number) => ({
      topic: 'crm',
      partition,
      from: '3',
      to: '8',
      logStart: '8',
      logEnd: '13',
      cause: 'deleted' as const,
      count: 5,
      at,
    });
    const combined = combinedHealth([
      { index: 0, lost: null, lostForMs: 0, health: { ...reading, skipped: [skip(0, 20)] } },
      {
        index: 1,
        lost: 'processor thread 1 exited (code 70)',
        lostForMs: 1,
        health: { ...reading, skipped: [skip(1, 10)] },
      },
    ]);
    expect(combined?.skipped).toEqual([skip(1, 10), skip(0, 20)]);
    expect(combinedHealth([{ index: 0, lost: null, lostForMs: 0, health: reading }])).toEqual(reading);
  });

  it('has settled only when every running thread has a fresh assignment and they own each partition once', () => {
    const t = (partitions: number[] | null, fresh = true, lost = false) => ({ partitions, fresh, lost });
    expect(settledPartitions([t([0, 2]), t([1, 3])], 4)).toEqual([0, 1, 2, 3]);
    // The first thread's assignment from before the second joined: overlapping, not settled.
    expect(settledPartitions([t([0, 1, 2, 3]), t([1, 3])], 4)).toBeNull();
    expect(settledPartitions([t([0, 2], false), t([1, 3])], 4)).toBeNull();
    expect(settledPartitions([t([0, 2]), t(null)], 4)).toBeNull();
    // A lost thread's partitions not yet moved: not settled; once moved, settled without it.
    expect(settledPartitions([t([0, 2]), t([1, 3], true, true)], 4)).toBeNull();
    expect(settledPartitions([t([0, 1, 2, 3]), t([1, 3], false, true)], 4)).toEqual([0, 1, 2, 3]);
    // More threads than partitions: the idle one holds none.
    expect(settledPartitions([t([0]), t([])], 1)).toEqual([0]);
    expect(settledPartitions([t([], true, true)], 1)).toBeNull();
  });

  it('adds the threads’ series to the process’s own and passes the process’s own metrics through', async () => {
    const own = new Metrics();
    own.brokerUp.set(1);
    const threads = [new Metrics({ defaults: false }), new Metrics({ defaults: false })];
    threads[0]?.recordsProcessed.inc({ topic: 'crm' }, 3);
    threads[1]?.recordsProcessed.inc({ topic: 'crm' }, 4);
    threads[1]?.recordsProcessed.inc({ topic: 'dept' }, 5);
    const text = await combinedMetrics(
      own.registry,
      await Promise.all(threads.map((t) => t.registry.getMetricsAsJSON())),
    );
    expect(text).toMatch(/^closeloop_records_processed_total\{topic="crm"\} 7$/m);
    expect(text).toMatch(/^closeloop_records_processed_total\{topic="dept"\} 5$/m);
    expect(text).toMatch(/^closeloop_broker_up 1$/m);
    // prom-client leaves the start time out of cluster aggregates; one process has one.
    expect(text).toMatch(/^closeloop_process_start_time_seconds \d+$/m);
  });

  it('keeps a metric of the process alone with all its series', async () => {
    const own = new Registry();
    new Gauge({ name: 'lag', help: 'h', labelNames: ['g'], registers: [own] }).set({ g: 'a' }, 2);
    const c = new Counter({ name: 'n', help: 'h', registers: [own] });
    c.inc(1);
    const text = await combinedMetrics(own, []);
    expect(text).toMatch(/^lag\{g="a"\} 2$/m);
    expect(text).toMatch(/^n 1$/m);
  });

  it('keeps a lost thread’s counters and histograms as last reported, and none of its gauges', async () => {
    const thread = new Metrics({ defaults: false });
    thread.deadLetters.inc({ topic: 'crm', code: 'CL_RECORD_INVALID' }, 2);
    thread.deliverySeconds.observe({ connector: 'posse' }, 0.2);
    thread.stuckTickets.set({ reason: 'STUCK_ROUTED', department: 'housing' }, 3);
    const kept = lostThreadMetrics(await thread.registry.getMetricsAsJSON());
    expect(kept.map((m) => m.name)).toContain('closeloop_dead_letters_total');
    expect(kept.map((m) => m.name)).toContain('closeloop_delivery_seconds');
    expect(kept.map((m) => m.name)).not.toContain('closeloop_stuck_tickets');
    expect(lostThreadMetrics(null)).toEqual([]);
    // Summed with a live thread's, the dead letters it counted stay in the total.
    const live = new Metrics({ defaults: false });
    live.deadLetters.inc({ topic: 'crm', code: 'CL_RECORD_INVALID' });
    const text = await combinedMetrics(new Registry(), [kept, await live.registry.getMetricsAsJSON()]);
    expect(text).toMatch(/^closeloop_dead_letters_total\{topic="crm",code="CL_RECORD_INVALID"\} 3$/m);
    expect(text).not.toMatch(/^closeloop_stuck_tickets\{/m);
  });
});
