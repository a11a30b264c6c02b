import { describe, expect, it } from 'vitest';
import { describeSkipped, HealthTracker, type SkippedRecords } from '../../src/messaging/index.ts';
import { judgeOutOfRange } from '../../src/messaging/skipped.ts';

const where = { topic: 'crm.ticket-events.v1', partition: 2 };

/** The skip a verdict names; the cases below all have one. */
function skipOf(v: { skipped: SkippedRecords | null }): SkippedRecords {
  if (!v.skipped) throw new Error('expected a skip');
  return v.skipped;
}

describe('a position the broker no longer holds', () => {
  it('below the log start: reads on from the log start and names the offsets deleted before they were read', () => {
    const v = judgeOutOfRange(where, 3n, 8n, 13n, true, 42);
    expect(v).toEqual({
      resumeAt: 8n,
      skipped: { ...where, from: '3', to: '8', logStart: '8', logEnd: '13', cause: 'deleted', count: 5, at: 42 },
    });
    expect(describeSkipped(skipOf(v))).toBe(
      'offsets 3-7 (5) of crm.ticket-events.v1/2 deleted before they were read (log start 8); read on from 8',
    );
  });

  it('for a consumer that starts at the end: reads on from the end, and counts what it passed over too', () => {
    const v = judgeOutOfRange(where, 3n, 8n, 13n, false, 0);
    expect(v.resumeAt).toBe(13n);
    expect(v.skipped).toMatchObject({ from: '3', to: '13', cause: 'deleted', count: 10 });
    expect(describeSkipped(skipOf(v))).toBe(
      'offsets 3-12 (10) of crm.ticket-events.v1/2 deleted before they were read (log start 8, and the rest up to the log end passed over); read on from 13',
    );
  });

  it('past the log end (a topic re-created): reads on from the start and says what is not known', () => {
    const v = judgeOutOfRange(where, 40n, 0n, 2n, true, 0);
    expect(v.resumeAt).toBe(0n);
    expect(v.skipped).toMatchObject({
      from: '40',
      to: '0',
      logStart: '0',
      logEnd: '2',
      cause: 'past-end',
      count: null,
    });
    expect(describeSkipped(skipOf(v))).toBe(
      'position 40 of crm.ticket-events.v1/2 lies past the log end 2 (the topic re-created or its log cut back; what it held from 40 on is not known); read on from 0',
    );
  });

  it('back in the log by the time it is looked at (a new leader caught up): kept, nothing skipped', () => {
    expect(judgeOutOfRange(where, 13n, 8n, 13n, true, 0)).toEqual({ resumeAt: 13n, skipped: null });
    expect(judgeOutOfRange(where, 8n, 8n, 13n, false, 0)).toEqual({ resumeAt: 8n, skipped: null });
  });

  it("is kept in the consumer's health, which reads on", () => {
    const t = new HealthTracker(10_000, () => 0);
    t.assigned();
    expect(t.health().skipped).toBeUndefined();
    const skipped = skipOf(judgeOutOfRange(where, 3n, 8n, 13n, true, 7));
    t.skipped(skipped);
    expect(t.health()).toEqual({ state: 'reading', failingForMs: 0, reason: null, skipped: [skipped] });
  });
});
