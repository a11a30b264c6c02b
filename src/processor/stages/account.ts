import { breachesFlagged, type BreachFlagged, type Decision, type TicketState } from '../../domain/index.ts';
import type { RecordBatch } from '../../messaging/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Outbox } from '../outbox.ts';
import type { Offsets } from '../task.ts';

/**
 * The input offsets the batches of one transaction commit with it: past the last record of each
 * input partition (a later batch of one partition reads further than an earlier one).
 */
export function offsetsAfter(batches: readonly RecordBatch[]): Offsets {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const { topic, partition, records } of batches) {
    const last = records[records.length - 1];
    if (!last) continue;
    const offset = BigInt(last.offset) + 1n;
    const key = `${partition}:${topic}`;
    const seen = next.get(key);
    if (!seen || seen.offset < offset) next.set(key, { topic, partition, offset });
  }
  return [...next.values()].map((o) => ({ ...o, offset: o.offset.toString() }));
}

/**
 * Stage 4: what one transaction did, for the metrics. Counted as the records go by, recorded
 * only once the transaction commits, so a batch that is aborted and fetched again is not
 * counted twice.
 */
export class Tally {
  #dead: { topic: string; code: string }[] = [];
  #violations: { kind: string; department: string | null }[] = [];
  #breaches: BreachFlagged[] = [];
  #statuses = 0;
  readonly #forwarded = new Map<string, number>();

  /** A record read from `topic` was forwarded to its repartition topic. */
  forwarded(topic: string): void {
    this.#forwarded.set(topic, (this.#forwarded.get(topic) ?? 0) + 1);
  }

  /** A record read from `topic` was dead-lettered. */
  deadLettered(topic: string, code: string): void {
    this.#dead.push({ topic, code });
  }

  /** A ticket's state moved from prev to next: the SLA breaches that turned on. */
  moved(prev: TicketState | null, next: TicketState | null): void {
    this.#breaches.push(...breachesFlagged(prev, next));
  }

  statusesSent(n: number): void {
    this.#statuses += n;
  }

  decided(prev: TicketState | null, d: Decision): void {
    this.statusesSent(d.statuses.length);
    this.moved(prev, d.state);
    this.#violations.push(...d.violations.map((v) => ({ kind: v.kind, department: v.department })));
  }

  /** After the commit: `inputs` are the batches read, none for a timer sweep. */
  record(m: Metrics | undefined, out: Outbox, inputs: readonly RecordBatch[] = []): void {
    if (!m) return;
    for (const b of inputs) m.recordsProcessed.inc({ topic: b.topic }, b.records.length);
    for (const { topic, code } of this.#dead) m.deadLetters.inc({ topic, code });
    for (const [topic, n] of this.#forwarded) m.repartitioned.inc({ topic }, n);
    m.statusChanges.inc(this.#statuses);
    for (const a of out.alerts) m.alerts.inc({ reason: a.reason, status: a.status });
    for (const b of this.#breaches) m.slaBreaches.inc(b);
    for (const v of this.#violations) {
      m.quarantined.inc({ kind: v.kind });
      if (v.kind === 'PREMATURE_CLOSE') m.prematureClosesBlocked.inc({ department: v.department ?? 'unknown' });
    }
  }
}
