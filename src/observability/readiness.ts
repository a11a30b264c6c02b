import type { ConsumerHealth } from '../messaging/index.ts';
import type { PauseReason } from '../runtime/pause.ts';

export interface RunnerView {
  readonly connector: string;
  readonly kind: 'source' | 'sink';
  /** `standby`: a source another worker runs, holding the source lease; ready (see WorkerSources). */
  readonly state: 'stopped' | 'running' | 'paused' | 'standby';
  readonly pausedBy: PauseReason | null;
  readonly pauses: readonly PauseReason[];
  /** What more there is to say about pausedBy (see PauseSet.detail). */
  readonly pauseDetail?: string | null;
  /** A sink's consumer; for a source, the worker's source lease consumer. */
  readonly consumer?: ConsumerHealth | null;
  /** What a source's last poll warned of; sinks have none. */
  readonly warnings?: readonly { readonly code: string; readonly detail: string }[];
  /** A sink's records given up on (dead-lettered after every pause cycle) whose alert is open. */
  readonly exhausted?: readonly { readonly ticketId: string; readonly subject: string; readonly detail: string }[];
}

export interface ReadinessInput {
  /** What runs, as its phase's reason names it (`processor starting`); `worker` when left out. */
  readonly process?: 'worker' | 'processor';
  readonly phase: 'created' | 'starting' | 'running' | 'stopping';
  readonly processorReady: boolean;
  readonly processorConsumer?: ConsumerHealth | null;
  /** null before the first check. */
  readonly brokerUp: boolean | null;
  readonly registryUp: boolean | null;
  /**
   * The HTTP status (401, 403, 407) the registry refused our credentials with, when that is why
   * it is down: rotated credentials need a person, not a wait for the network.
   */
  readonly registryRefused?: number | null;
  readonly runners: readonly RunnerView[];
  /** Sources silent for longer than their declared cadence, one reason each. */
  readonly silent?: readonly string[];
  /** Records a consumer skipped whose RECORDS_SKIPPED alert is not yet acknowledged, one reason each. */
  readonly skipped?: readonly string[];
}

/**
 * One line per reason, e.g. `crm-rest sink paused: credentials`, or with the pause's detail
 * `maximo sink paused: endpoint (HTTP 302 redirecting to https://sso.city.gov)`.
 */
export interface ReadinessVerdict {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

/**
 * Ready means every ticket can move: the worker is running, Kafka and the registry answer, the
 * processor owns its partitions, no runner is stopped or paused (an operator's pause too:
 * tickets wait while it lasts), no source warns of what it read (a change it may miss, a
 * server clock far ahead) and no records skipped wait to be acknowledged. Every reason is
 * listed, so an operator sees all at once.
 */
export function judgeReadiness(input: ReadinessInput): ReadinessVerdict {
  const reasons: string[] = [];
  if (input.phase !== 'running') reasons.push(`${input.process ?? 'worker'} ${input.phase}`);
  if (input.brokerUp === false) reasons.push('kafka broker unreachable');
  if (input.brokerUp === null) reasons.push('kafka broker not checked yet');
  if (input.registryUp === false && input.registryRefused)
    reasons.push(`schema registry refuses our credentials (HTTP ${input.registryRefused})`);
  else if (input.registryUp === false) reasons.push('schema registry unreachable');
  if (input.registryUp === null) reasons.push('schema registry not checked yet');
  if (input.phase === 'running' && !input.processorReady) reasons.push('processor not ready');
  const failing = consumerFailing(input.processorConsumer);
  if (failing) reasons.push(`processor consumer ${failing}`);
  for (const r of input.runners) {
    if (input.phase === 'running' && r.state === 'stopped') reasons.push(`${r.connector} ${r.kind} stopped`);
    if (r.state === 'paused') {
      const detail = r.pauseDetail ? ` (${r.pauseDetail})` : '';
      reasons.push(`${r.connector} ${r.kind} paused: ${r.pausedBy ?? 'unknown'}${detail}`);
    }
    const consumer = consumerFailing(r.consumer);
    if (consumer) reasons.push(`${r.connector} ${r.kind} consumer ${consumer}`);
    for (const w of r.warnings ?? []) reasons.push(`${r.connector} ${r.kind} ${w.code}: ${w.detail}`);
    // Not ready while one is open: the ticket's update reached neither its system nor anyone yet.
    // The alert id is what `closeloop alerts ack` takes, for a record that will never be delivered.
    for (const x of r.exhausted ?? [])
      reasons.push(
        `${r.connector} ${r.kind} delivery exhausted: ticket ${x.ticketId}, ${x.subject}: ${x.detail} (alert ${x.ticketId}|DELIVERY_EXHAUSTED|${x.subject})`,
      );
  }
  reasons.push(...(input.silent ?? []));
  // Not ready until someone acknowledges it: the tickets those records carried are stuck unseen.
  reasons.push(...(input.skipped ?? []));
  return { ready: reasons.length === 0, reasons };
}

/** `failing for 42 s: joining the consumer group: ...`, or null for a consumer getting on. */
export function consumerFailing(h: ConsumerHealth | null | undefined): string | null {
  if (h?.state !== 'failing') return null;
  return `failing for ${Math.round(h.failingForMs / 1_000)} s: ${h.reason ?? 'unknown'}`;
}
