import type { IncomingRecord } from '../messaging/index.ts';

/**
 * What the sink runner logs of a record its sink does not accept (another connector's): the
 * ticket and work order only, since the record carries a description a citizen wrote.
 */
export function notAcceptedFields(record: IncomingRecord, value: unknown): Record<string, unknown> {
  const workOrderId = (value as { workOrderId?: unknown } | null)?.workOrderId;
  return {
    ticketId: record.key?.toString('utf8'),
    ...(typeof workOrderId === 'string' ? { workOrderId } : {}),
    partition: record.partition,
    offset: record.offset,
  };
}
