// Where a status waits in the CRM sink during (c), from the sink's own histograms
// (closeloop_sink_wait_seconds, closeloop_sink_slot_wait_seconds, closeloop_delivery_seconds):
// their sums and counts at the warm-up's end are taken from those at the run's end, so the
// figures cover the records the sink fetched in the measured seconds and the drain after them.
import type { Histogram } from 'prom-client';
import type { Metrics } from '../src/observability/metrics.ts';

/** Sums (seconds) and counts of the three histograms for one connector, at one moment. */
export interface SinkWaitTotals {
  readonly wait: readonly [sum: number, count: number];
  readonly slot: readonly [sum: number, count: number];
  readonly call: readonly [sum: number, count: number];
}

/** Means over a span, ms, and the share of the span's records whose ticket waited for a slot. */
export interface SinkWaits {
  /** Records whose delivery started in the span. */
  readonly records: number;
  /** From the batch's fetch to the delivery's start: behind the ticket's earlier records, or for a slot. */
  readonly waitMs: number;
  /** The tickets that waited for a free slot (maxInFlight), per record whose delivery started. */
  readonly slotWaitsPerRecord: number;
  /** How long those waited for it, each. */
  readonly slotWaitMs: number;
  /** The call to the CRM, retries included. */
  readonly callMs: number;
}

export async function sinkWaitTotals(metrics: Metrics, connector: string): Promise<SinkWaitTotals> {
  const totals = async (h: Histogram<'connector'>): Promise<readonly [number, number]> => {
    const values = (await h.get()).values.filter((v) => v.labels['connector'] === connector);
    const of = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
    return [of('_sum'), of('_count')];
  };
  return {
    wait: await totals(metrics.sinkWaitSeconds),
    slot: await totals(metrics.sinkSlotWaitSeconds),
    call: await totals(metrics.deliverySeconds),
  };
}

export function sinkWaitsBetween(from: SinkWaitTotals, to: SinkWaitTotals): SinkWaits {
  const delta = (k: keyof SinkWaitTotals) => [to[k][0] - from[k][0], to[k][1] - from[k][1]] as const;
  const meanMs = ([sum, count]: readonly [number, number]) => (count > 0 ? Math.round((sum / count) * 1e4) / 10 : 0);
  const [, records] = delta('wait');
  const [, slotWaits] = delta('slot');
  return {
    records,
    waitMs: meanMs(delta('wait')),
    slotWaitsPerRecord: records > 0 ? Math.round((slotWaits / records) * 1e3) / 1e3 : 0,
    slotWaitMs: meanMs(delta('slot')),
    callMs: meanMs(delta('call')),
  };
}
