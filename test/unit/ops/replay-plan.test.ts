import { describe, expect, it } from 'vitest';
import { planReplay, REPLAY_HEADER, type DeadLetter } from '../../../src/ops/index.ts';

function dead(id: string, offset: number, extra: Partial<DeadLetter> = {}, replayOf?: string): DeadLetter {
  return {
    id,
    dlqTopic: 't.dlq',
    key: 'SR-1',
    keyBytes: Buffer.from('SR-1'),
    value: null,
    headers: replayOf ? { [REPLAY_HEADER]: Buffer.from(replayOf) } : {},
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

describe('planReplay', () => {
  it('re-sends in the original order what no replay has re-sent yet', () => {
    const plan = planReplay([dead('t.dlq:0:1', 7), dead('t.dlq:0:0', 3)], new Map());
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:0', 't.dlq:0:1']);
    expect(plan.skipped).toEqual([]);
  });

  it('skips a dead letter a replay re-sent, and those descending from it, naming that replay', () => {
    const plan = planReplay(
      [dead('t.dlq:0:0', 3), dead('t.dlq:0:5', 9, {}, 't.dlq:0:0'), dead('t.dlq:0:6', 10)],
      new Map([['t.dlq:0:0', 'r1']]),
    );
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:6']);
    expect(plan.skipped).toEqual([
      { id: 't.dlq:0:0', reason: 'already replayed by r1' },
      { id: 't.dlq:0:5', reason: 'already replayed by r1' },
    ]);
  });

  it('re-sends one dead letter of a line once, and what never was on a topic not at all', () => {
    const plan = planReplay(
      [
        dead('t.dlq:0:5', 9, {}, 't.dlq:0:0'),
        dead('t.dlq:0:8', 12, {}, 't.dlq:0:0'),
        dead('s.dlq:0:0', -1, { replayable: false }),
      ],
      new Map(),
    );
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:5']);
    expect(plan.skipped).toEqual([
      { id: 's.dlq:0:0', reason: 'never was on a topic (CL_DECODE_MALFORMED)' },
      { id: 't.dlq:0:8', reason: 'same origin as t.dlq:0:5, re-sent in this replay' },
    ]);
  });

  it('does not re-send a dead letter whose value was too large to keep, and says where the original is', () => {
    const plan = planReplay([dead('t.dlq:0:2', 4, { valueDropped: 1_048_400 }), dead('t.dlq:0:3', 5)], new Map());
    expect(plan.todo.map((d) => d.id)).toEqual(['t.dlq:0:3']);
    expect(plan.skipped).toEqual([
      { id: 't.dlq:0:2', reason: 'its value (1048400 bytes) was too large to keep; the original is at t:0:4' },
    ]);
  });
});
