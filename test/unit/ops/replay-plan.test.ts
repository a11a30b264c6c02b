import { describe, expect, it } from 'vitest';
import {
  planReplay,
  REPLAY_AT_HEADER,
  REPLAY_HEADER,
  REPLAY_ID_HEADER,
  replayHistoryOf,
  replayState,
  type DeadLetter,
} from '../../../src/ops/index.ts';

/** A dead letter; `replayOf` and `replayId` as a record re-sent by a replay carries them. */
function dead(
  id: string,
  offset: number,
  extra: Partial<DeadLetter> = {},
  replayOf?: string,
  replayId?: string,
): DeadLetter {
  return {
    id,
    dlqTopic: 't.dlq',
    key: 'SR-1',
    keyBytes: Buffer.from('SR-1'),
    value: null,
    headers: {
      ...(replayOf ? { [REPLAY_HEADER]: Buffer.from(replayOf) } : {}),
      ...(replayId ? { [REPLAY_ID_HEADER]: Buffer.from(replayId) } : {}),
    },
    originalTopic: 't',
    originalPartition: 0,
    originalOffset: BigInt(offset),
    code: 'CL_DECODE_MALFORMED',
    stage: 'decode',
    connector: 'lifecycle-processor',
    message: '',
    time: '2024-05-01T00:00:00.000Z',
    replayable: true,
    valueDropped: null,
    ...extra,
  };
}

const none = replayHistoryOf([]);
/** Audit records: a replay, the dead letters it re-sent, and the lines they stood for. */
const replays = (...audits: [string, string[], string[]][]) =>
  replayHistoryOf(audits.map(([replayId, deadLetters, origins]) => ({ replayId, deadLetters, origins })));

describe('planReplay', () => {
  // v3 given up on (offset 3), then v4 refused as out of order (offset 4); v3's replay failed
  // again, its new dead letter naming the re-sent record at offset 10. Sorted by their own
  // offsets, --again re-sent v4 before v3, which the CRM refused again for the same gap.
  it('re-sends a line failed again at its first place, before what was dead-lettered after it', () => {
    const v3 = dead('t.dlq:0:0', 3);
    const v4 = dead('t.dlq:0:1', 4);
    const v3Again = dead('t.dlq:0:2', 10, {}, 't.dlq:0:0', 'r1');
    const plan = planReplay([v4, v3Again, v3], replays(['r1', ['t.dlq:0:0'], ['t.dlq:0:0']]), { again: true });
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:2', 't.dlq:0:1']);
    expect(plan.skipped.map((s) => s.id)).toEqual(['t.dlq:0:0']);
  });

  // Filtered by time, the line's first dead letter is not among those matched: the place its
  // re-send carried says where the line began all the same.
  it('re-sends a line failed again at its first place even when a filter leaves its first dead letter out', () => {
    const v4 = dead('t.dlq:0:1', 4);
    const v3Again = dead('t.dlq:0:2', 10, {}, 't.dlq:0:0', 'r1');
    const placed = { ...v3Again, headers: { ...v3Again.headers, [REPLAY_AT_HEADER]: Buffer.from('t:0:3') } };
    const history = replays(['r1', ['t.dlq:0:0'], ['t.dlq:0:0']]);
    expect(planReplay([v4, placed], history, { again: true }).todo.map((d) => d.id)).toEqual([
      't.dlq:0:2',
      't.dlq:0:1',
    ]);
    // Without the place (re-sent before it was carried), its own record's place is all there is.
    expect(planReplay([v4, v3Again], history, { again: true }).todo.map((d) => d.id)).toEqual([
      't.dlq:0:1',
      't.dlq:0:2',
    ]);
  });

  it('re-sends in the original order what no replay has re-sent yet', () => {
    const plan = planReplay([dead('t.dlq:0:1', 7), dead('t.dlq:0:0', 3)], none);
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:0', 't.dlq:0:1']);
    expect(plan.skipped).toEqual([]);
  });

  it('skips a dead letter a replay re-sent, and those descending from it, naming that replay and --again', () => {
    const plan = planReplay(
      [dead('t.dlq:0:0', 3), dead('t.dlq:0:5', 9, {}, 't.dlq:0:0'), dead('t.dlq:0:6', 10)],
      replays(['r1', ['t.dlq:0:0'], ['t.dlq:0:0']]),
    );
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:6']);
    expect(plan.skipped).toEqual([
      { id: 't.dlq:0:0', reason: 'already replayed by r1' },
      {
        id: 't.dlq:0:5',
        reason: 'failed again after replay r1; once the cause is fixed, re-send it with --again --reason TEXT',
      },
    ]);
  });

  it('with again, re-sends a line that failed again after its replay once more, and nothing already re-sent', () => {
    const matching = [
      dead('t.dlq:0:0', 3),
      dead('t.dlq:0:5', 9, {}, 't.dlq:0:0', 'r1'),
      // The same re-sent record dead-lettered twice (two consumers of its topic): one re-send.
      dead('t.dlq:0:6', 9, {}, 't.dlq:0:0', 'r1'),
      // Replayed, and not dead-lettered since (delivered, or still on its way): not again.
      dead('t.dlq:0:1', 4),
      dead('t.dlq:0:7', 11),
    ];
    const r1: [string, string[], string[]] = ['r1', ['t.dlq:0:0', 't.dlq:0:1'], ['t.dlq:0:0', 't.dlq:0:1']];
    const plan = planReplay(matching, replays(r1), { again: true });
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:5', 't.dlq:0:7']);
    // In the lines' first order: 0:5 and 0:6 stand at their line's place, 0:0's, before 0:1.
    expect(plan.skipped).toEqual([
      { id: 't.dlq:0:0', reason: 'already replayed by r1' },
      { id: 't.dlq:0:6', reason: 'same origin as t.dlq:0:5, re-sent in this replay' },
      { id: 't.dlq:0:1', reason: 'already replayed by r1' },
    ]);

    // Re-sent again by r2: neither it nor its twin from r1's re-send goes back a third time,
    // unless r2's re-send fails too.
    const r2: [string, string[], string[]] = ['r2', ['t.dlq:0:5', 't.dlq:0:7'], ['t.dlq:0:0', 't.dlq:0:7']];
    const after = planReplay(matching, replays(r1, r2), { again: true });
    expect(after.todo).toEqual([]);
    expect(after.skipped).toContainEqual({ id: 't.dlq:0:5', reason: 'already replayed by r2' });
    expect(after.skipped).toContainEqual({
      id: 't.dlq:0:6',
      reason: 'failed after replay r1; its line was re-sent since by r2',
    });
    const failedOnceMore = [...matching, dead('t.dlq:0:9', 14, {}, 't.dlq:0:0', 'r2')];
    expect(planReplay(failedOnceMore, replays(r1, r2)).skipped).toContainEqual({
      id: 't.dlq:0:9',
      reason: 'failed again after replay r2; once the cause is fixed, re-send it with --again --reason TEXT',
    });
    const next = planReplay(failedOnceMore, replays(r1, r2), { again: true });
    expect(next.todo.map((d) => d.id)).toEqual(['t.dlq:0:9']);
  });

  it('takes a dead letter without a replay id as a failure after its line’s first replay', () => {
    // Written before re-sent records carried their replay's id, when a line was re-sent once.
    const legacy = dead('t.dlq:0:5', 9, {}, 't.dlq:0:0');
    expect(planReplay([legacy], replays(['r1', ['t.dlq:0:0'], ['t.dlq:0:0']]), { again: true }).todo).toEqual([legacy]);
    const since = replays(['r1', ['t.dlq:0:0'], ['t.dlq:0:0']], ['r2', ['t.dlq:0:5'], ['t.dlq:0:0']]);
    expect(planReplay([dead('t.dlq:0:6', 9, {}, 't.dlq:0:0')], since, { again: true }).skipped).toEqual([
      { id: 't.dlq:0:6', reason: 'failed after replay r1; its line was re-sent since by r2' },
    ]);
  });

  it('re-sends one dead letter of a line once, and what never was on a topic not at all', () => {
    const plan = planReplay(
      [
        dead('t.dlq:0:5', 9, {}, 't.dlq:0:0'),
        dead('t.dlq:0:8', 12, {}, 't.dlq:0:0'),
        dead('s.dlq:0:0', -1, { replayable: false }),
      ],
      none,
    );
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:5']);
    expect(plan.skipped).toEqual([
      { id: 's.dlq:0:0', reason: 'never was on a topic (CL_DECODE_MALFORMED)' },
      { id: 't.dlq:0:8', reason: 'same origin as t.dlq:0:5, re-sent in this replay' },
    ]);
  });

  it('does not re-send a dead letter whose value was too large to keep, and says where the original is', () => {
    const plan = planReplay([dead('t.dlq:0:2', 4, { valueDropped: 1_048_400 }), dead('t.dlq:0:3', 5)], none);
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:3']);
    expect(plan.skipped).toEqual([
      { id: 't.dlq:0:2', reason: 'its value (1048400 bytes) was too large to keep; the original is at t:0:4' },
    ]);
  });
});

// A dead-letter topic deleted and created again (cleared by hand, then provisioned at start-up)
// starts at offset 0 again while the audit is kept for good: a new dead letter took the id of one
// a replay re-sent last month, was listed as "already replayed" and skipped, even with --again.
describe('a dead-letter topic created again', () => {
  const audit = (replayId: string, id: string, at: string, topicIds?: Record<string, string>) =>
    replayHistoryOf([{ replayId, deadLetters: [id], origins: [id], at, topicIds }]);

  it('does not take a new dead letter for the one of the same id a replay re-sent before', () => {
    const history = audit('r-old', 't.dlq:0:0', '2026-11-01T00:00:00.000Z', { 't.dlq': 'topic-1' });
    const fresh = dead('t.dlq:0:0', 0, { topicId: 'topic-2', time: '2026-12-06T07:00:00.000Z' });
    expect(replayState(fresh, history)).toEqual({ state: 'not replayed' });
    expect(planReplay([fresh], history).todo.map((d) => d.id)).toEqual(['t.dlq:0:0']);
    // On the same incarnation, the one re-sent is still skipped, whenever it was written.
    const same = dead('t.dlq:0:0', 0, { topicId: 'topic-1', time: '2026-12-06T07:00:00.000Z' });
    expect(replayState(same, history)).toEqual({ state: 'replayed', by: 'r-old' });
  });

  it('reads a replay audited without topic ids as of the dead letters written before it ran', () => {
    const history = audit('r-old', 't.dlq:0:0', '2026-11-01T00:00:00.000Z');
    const before = dead('t.dlq:0:0', 0, { topicId: 'topic-1', time: '2026-10-31T23:59:00.000Z' });
    expect(replayState(before, history)).toEqual({ state: 'replayed', by: 'r-old' });
    const after = dead('t.dlq:0:0', 0, { topicId: 'topic-2', time: '2026-12-06T07:00:00.000Z' });
    expect(planReplay([after], history, { again: true }).todo.map((d) => d.id)).toEqual(['t.dlq:0:0']);
  });

  it('still counts a failure after a replay of the line on the incarnation that replay read', () => {
    const history = replayHistoryOf([
      { replayId: 'r1', deadLetters: ['t.dlq:0:0'], origins: ['t.dlq:0:0'], topicIds: { 't.dlq': 'topic-1' } },
    ]);
    const failed = dead('t.dlq:0:3', 10, { topicId: 'topic-1' }, 't.dlq:0:0', 'r1');
    expect(replayState(failed, history)).toEqual({ state: 'failed again', after: 'r1' });
  });
});
