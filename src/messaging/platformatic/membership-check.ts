import {
  FindCoordinatorKeyTypes,
  findErrorBy,
  kGetApi,
  kGetConnection,
  kMetadata,
  kPerformWithRetry,
  type Admin,
  type Connection,
} from '@platformatic/kafka';
import { CloseloopError } from '../../errors/index.ts';
import type { GroupMembership } from '../types.ts';
import { guarded } from './errors.ts';

/** Attempts of an outage (a connection lost) before the caller hears of it; refusals are final. */
const RETRIES = 3;

type Callback<T> = (error: Error | null, result?: T) => void;
type Heartbeat = (connection: Connection, ...args: [...unknown[], Callback<unknown>]) => void;

/**
 * Sends the Heartbeat the member would send (group, generation, member id, instance id) to the
 * group's coordinator, looked up anew: the broker answers it without error only while the group
 * is at that generation with that member and no rebalance is under way. For a current member it
 * also counts as a heartbeat, which does no harm. Uses the client's exported request plumbing,
 * as txn-offsets.ts does, so errors and retries are the client's.
 */
export function checkMembership(admin: Admin, m: GroupMembership): Promise<void> {
  const action = `checking the membership of ${m.memberId || 'no member'} in group ${m.groupId}`;
  return guarded(action, async () => {
    const [found] = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [m.groupId] });
    if (!found) throw new Error(`no coordinator for group ${m.groupId}`);
    await heartbeat(admin, found.nodeId, m).catch((err: unknown) => {
      // The member's generation is ending: the group is about to deal its partitions again.
      if (!findErrorBy(err as Error, 'apiId', 'REBALANCE_IN_PROGRESS')) throw err;
      throw new CloseloopError(
        'CL_KAFKA_NOT_MEMBER',
        `${action}: the group is rebalancing away from generation ${m.generationId}`,
        { cause: err, details: { kafkaApiErrors: ['REBALANCE_IN_PROGRESS'] } },
      );
    });
  });
}

function heartbeat(admin: Admin, coordinatorId: number, m: GroupMembership): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    admin[kPerformWithRetry]<unknown>(
      'heartbeat',
      (retry) => {
        admin[kMetadata]({ topics: [] }, (error, metadata) => {
          const broker = metadata?.brokers.get(coordinatorId);
          if (error || !broker) return retry(error ?? new Error(`group coordinator ${coordinatorId} unknown`));
          admin[kGetConnection](broker, (error, connection) => {
            if (error || !connection) return retry(error ?? new Error('no connection to the group coordinator'));
            admin[kGetApi]<unknown[], unknown>('Heartbeat', (error, api) => {
              if (error || !api) return retry(error ?? new Error('Heartbeat unsupported'));
              const call = api as unknown as Heartbeat;
              call(connection, m.groupId, m.generationId, m.memberId, m.groupInstanceId, retry);
            });
          });
        });
      },
      (error) => (error ? reject(error) : resolve()),
      0,
      [],
      undefined,
      RETRIES,
    );
  });
}
