/**
 * The consumer group timings every consumer of this adapter joins with.
 *
 * A member learns that the group is rebalancing only from its next heartbeat's answer. At a
 * fifth of the session up to 3 s, as before (2 s at the bench's 10 s session, 3 s at the default
 * 30 s), a member joining a group that is already reading (a second processor thread or process,
 * a restarted one) waited that long, while the members already in kept every partition. Measured on the bench's two processor threads (`BenchProcessorThreads`, 20,000
 * tickets): in the phases where one thread formed the group alone, the second got its share
 * 2,129–2,152 ms after the first had all six; at 500 ms, 692–869 ms (767–1,080 ms in a run on
 * 2026-12-04). At 100 ms, and with the processor no longer holding its event loop for hundreds of
 * ms (see the processor's TimeSlice), 197–397 ms; a third processor joining two that hold 100,000
 * tickets had their partitions working again after 212 ms instead of 523–527 (the bench's rejoin
 * scenario). Kafka's documentation names the heartbeat interval as what controls "the expected
 * time for normal rebalances"; a heartbeat is a small request to the coordinator, ten a second
 * per consumer.
 */
export interface GroupTimings {
  readonly sessionTimeout: number;
  readonly rebalanceTimeout: number;
  readonly heartbeatInterval: number;
}

export const HEARTBEAT_INTERVAL_MS = 100;

export function groupTimings(sessionTimeoutMs = 30_000): GroupTimings {
  return {
    sessionTimeout: sessionTimeoutMs,
    rebalanceTimeout: 60_000,
    // A fifth of the session at most, so a few lost heartbeats never end a session.
    heartbeatInterval: Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 5)),
  };
}
