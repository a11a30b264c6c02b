import { breachesFlagged, type BreachFlagged, type Decision, type TicketState } from '../../domain/index.ts';
import type { IncomingRecord } from '../../messaging/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Outbox } from '../outbox.ts';
import type { Offsets } from '../task.ts';

/** The input offsets a batch commits with its transaction: past its last record. */
export function offsetsAfter(topic: string, partition: number, records: readonly IncomingRecord[]): Offsets {
  const last = records[records.length - 1];
  return last ? [{ topic, partition, offset: (BigInt(last.offset) + 1n).toString() }] : [];
}

/**
 * Stage 4: what one transaction did, for the metrics. Counted as the records go by, recorded
 * only once the transaction commits, so a batch that is aborted and fetched again is not
 * counted twice.
 */
export class Tally {
  #dead: string[] = [];
  #violations: { kind: string; department: string | null }[] = [];
  #breaches: BreachFlagged[] = [];
  #statuses = 0;
  #forwarded = 0;

  forwarded(): void {
    this.#forwarded += 1;
  }

  deadLettered(code: string): void {
    this.#dead.push(code);
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

  /** After the commit: `input` is the batch read, absent for a timer sweep. */
  record(m: Metrics | undefined, out: Outbox, input?: { topic: string; records: number }): void {
    if (!m) return;
    if (input) {
      m.recordsProcessed.inc({ topic: input.topic }, input.records);
      for (const code of this.#dead) m.deadLetters.inc({ topic: input.topic, code });
      if (this.#forwarded > 0) m.repartitioned.inc({ topic: input.topic }, this.#forwarded);
    }
    m.statusChanges.inc(this.#statuses);
    for (const a of out.alerts) m.alerts.inc({ reason: a.reason, status: a.status });
    for (const b of this.#breaches) m.slaBreaches.inc(b);
    for (const v of this.#violations) {
      m.quarantined.inc({ kind: v.kind });
      if (v.kind === 'PREMATURE_CLOSE') m.prematureClosesBlocked.inc({ department: v.department ?? 'unknown' });
    }
  }
}
