import { describe, expect, it } from 'vitest';
import { groupTimings, HEARTBEAT_INTERVAL_MS } from '../../src/messaging/platformatic/group-timing.ts';

describe('consumer group timings', () => {
  it('heartbeats every 100 ms by default, so a joining member waits at most that long for the others to hear of it', () => {
    expect(HEARTBEAT_INTERVAL_MS).toBe(100);
    expect(groupTimings()).toEqual({ sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 100 });
  });

  it('keeps several heartbeats inside every session the config allows, and within a short test session', () => {
    for (const session of [6_000, 10_000, 30_000, 300_000]) {
      const t = groupTimings(session);
      expect(t.sessionTimeout).toBe(session);
      expect(t.heartbeatInterval).toBeLessThanOrEqual(100);
      // Kafka's advice: no more than a third of the session.
      expect(t.heartbeatInterval * 3).toBeLessThanOrEqual(session);
    }
    expect(groupTimings(400).heartbeatInterval).toBe(80);
  });
});
