import { describe, expect, it } from 'vitest';
import { FAILING_AFTER_MS, HealthTracker, handlingOf, withTrouble } from '../../src/messaging/index.ts';

describe('a consumer health tracker', () => {
  const tracker = () => {
    let now = 1_000;
    const t = new HealthTracker(10_000, () => now);
    return { t, advance: (ms: number) => (now += ms) };
  };

  it('starts, reads once assigned, and waits its grace (15 s by default) before saying failing', () => {
    expect(FAILING_AFTER_MS).toBe(15_000);
    const { t, advance } = tracker();
    expect(t.health().state).toBe('starting');
    t.assigned();
    t.failed('fetching', new Error('broker away'));
    advance(9_999);
    expect(t.health()).toEqual({ state: 'reading', failingForMs: 0, reason: null });
    advance(1);
    expect(t.health()).toEqual({ state: 'failing', failingForMs: 10_000, reason: 'fetching: broker away' });
  });

  it('counts from the first failure of an activity and names the oldest one failing', () => {
    const { t, advance } = tracker();
    t.failed('joining the consumer group', new Error('first'));
    advance(5_000);
    t.failed('fetching', new Error('later'));
    t.failed('joining the consumer group', new Error('again'));
    advance(6_000);
    expect(t.health()).toEqual({
      state: 'failing',
      failingForMs: 11_000,
      reason: 'joining the consumer group: again',
    });
    t.succeeded('joining the consumer group');
    expect(t.health().state).toBe('starting');
    advance(4_000);
    expect(t.health().reason).toBe('fetching: later');
  });

  it('names every activity failing past the grace, not the oldest alone', () => {
    const { t, advance } = tracker();
    t.assigned();
    t.batchFailed('crm', 0, new Error('too large'), 7n);
    advance(1_000);
    t.batchFailed('crm', 2, new Error('too large'), 9n);
    advance(5_000);
    t.failed('fetching', new Error('slow'));
    advance(9_000);
    // crm/0 and crm/2 are past the grace; fetching is not yet.
    expect(t.health()).toEqual({
      state: 'failing',
      failingForMs: 15_000,
      reason: `${handlingOf('crm', 0)}: too large; also failing: ${handlingOf('crm', 2)}`,
    });
  });

  it('forgets the batches of partitions it no longer holds at an assignment, not of those it keeps', () => {
    const { t, advance } = tracker();
    t.failed(handlingOf('a', 0), new Error('x'));
    t.failed(handlingOf('a', 1), new Error('y'));
    advance(20_000);
    t.holding([{ topic: 'a', partition: 1 }]);
    expect(t.health().reason).toBe(`${handlingOf('a', 1)}: y`);
    t.holding([]);
    expect(t.health().state).toBe('starting');
  });
});

describe('a consumer health with the trouble beside it', () => {
  const reading = { state: 'reading', failingForMs: 0, reason: null } as const;
  const failing = (ms: number, reason: string) => ({ state: 'failing', failingForMs: ms, reason }) as const;

  it('is the consumer’s while nothing fails, and quotes the longest-failing first, naming every other', () => {
    expect(withTrouble(reading, [null, reading])).toEqual(reading);
    expect(withTrouble(reading, [failing(0, 'CL_TOPIC_MISMATCH: x')])).toEqual(failing(0, 'CL_TOPIC_MISMATCH: x'));
    expect(
      withTrouble(failing(20_000, 'fetching: away'), [
        failing(30_000, 'the timer sweep of partition 1: y'),
        failing(0, 'z'),
      ]),
    ).toEqual(failing(30_000, 'the timer sweep of partition 1: y; also fetching: away; also z'));
  });
});
