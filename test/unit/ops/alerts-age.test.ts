import { describe, expect, it } from 'vitest';
import { BRIDGE_ORIGIN, type AlertRecord } from '../../../src/domain/index.ts';
import { alertAge, alertLine } from '../../../src/ops/index.ts';

const MIN = 60_000;
const RAISED_AT = Date.parse('2026-05-04T13:16:00.000Z');

// A sentinel alert as the sweep raises it: its detail tells the age at raise time, for good.
const stuck: AlertRecord = {
  envelope: {
    eventId: 'SR-1|STUCK_ROUTED||raised',
    jurisdiction: 'testville',
    source: 'closeloop-worker',
    sequence: null,
    occurredAt: RAISED_AT,
    origin: BRIDGE_ORIGIN,
    correlationId: null,
  },
  alertId: 'SR-1|STUCK_ROUTED|',
  reason: 'STUCK_ROUTED',
  status: 'RAISED',
  ticketId: 'SR-1',
  connector: null,
  department: 'housing',
  accountable: 'owner of housing',
  since: RAISED_AT - 16 * MIN,
  detail: 'ROUTED for 16 min (limit 15 min)',
};

describe('alerts list line', () => {
  it('shows how long the alert has been open at the reading, not only the age its detail gave at raise', () => {
    const threeDaysOn = RAISED_AT + 3 * 24 * 60 * MIN;
    expect(alertLine(stuck, threeDaysOn)).toBe(
      '2026-05-04T13:00:00.000Z  for 3 d 0 h  STUCK_ROUTED  SR-1  housing  owner of housing  ROUTED for 16 min (limit 15 min)',
    );
    expect(alertLine(stuck, RAISED_AT)).toContain('  for 16 min  ');
  });

  it.each([
    [0, 'under 1 min'],
    [-5 * MIN, 'under 1 min'],
    [59 * MIN + 59_000, '59 min'],
    [60 * MIN, '1 h 0 min'],
    [47 * 60 * MIN + 5 * MIN, '47 h 5 min'],
    [49 * 60 * MIN, '2 d 1 h'],
  ])('gives an age of %d ms as %s', (ms, text) => {
    expect(alertAge(1_000_000, 1_000_000 + ms)).toBe(text);
  });
});
