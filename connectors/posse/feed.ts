import {
  MAX_REMEMBERED,
  positionLimits as limitsFor,
  rawField,
  readChanges,
  seqFeedPoll,
  type ConnectorContext,
  type PositionLimits,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { changeSchema, type PosseClient } from './client.ts';
import type { PosseConfig } from './config.ts';
import { changeToEvent, unreadExpected } from './mapping.ts';
import { UnreadDates } from './unread-dates.ts';

export { MAX_REMEMBERED };

export const positionLimits = (config: PosseConfig): PositionLimits => limitsFor(config.holeWaitSeconds);

/**
 * The change feed's poll: the SDK's for a feed numbered by a sequence (see seqFeedPoll and
 * FeedPosition, which wait at a hole in the seqs), with POSSE's reading of a change.
 */
export function feedPoll(config: PosseConfig, ctx: ConnectorContext, api: PosseClient) {
  const unread = new UnreadDates();
  const read = (raws: readonly unknown[], since: number) =>
    readChanges(raws, {
      what: 'POSSE change',
      schema: changeSchema,
      position: (raw, i) => `seq ${rawField(raw, 'seq') ?? `? (change ${i + 1} since ${since})`}`,
      key: (raw) => rawField(raw, 'ticketId'),
      map: (c) => {
        // A job no 311 ticket made (a permit, a department's own case), as Maximo's work orders
        // without one: passed over, not dead-lettered, or a busy permit desk would flood the .dlq.
        const { ticketId, externalRef } = c;
        if (ticketId === null || externalRef === null) {
          ctx.logger.debug(
            { seq: c.seq, jobId: c.jobId, outcome: c.outcome },
            'POSSE change of a job no 311 ticket made; not for the bridge',
          );
          return null;
        }
        const value = unreadExpected(c, config.timeZone);
        if (value !== null) {
          const { seq, jobId } = c;
          unread.note({ seq, jobId, externalRef, value }, ctx.clock());
          ctx.logger.warn(
            { seq, jobId, workOrderId: externalRef, expectedAt: value },
            'POSSE expected date names no instant; the change is published without it',
          );
        }
        return changeToEvent({ ...c, ticketId, externalRef }, config.jurisdiction, config.system, config.timeZone);
      },
    });
  return seqFeedPoll<WorkOrderEvent>(
    {
      system: 'POSSE',
      cursorName: 'watermark',
      holes: 'a rolled-back save, a sequence gap, rows not 311 jobs',
      pageSize: config.pageSize,
      holeWaitSeconds: config.holeWaitSeconds,
      page: (after, limit) => api.changes(after, limit),
      read,
      warnings: (now) => unread.warnings(now),
    },
    ctx,
  );
}
