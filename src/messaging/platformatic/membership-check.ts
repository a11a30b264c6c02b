import { FindCoordinatorKeyTypes, findErrorBy, type Admin } from '@platformatic/kafka';
import { CloseloopError } from '../../errors/index.ts';
import type { GroupMembership } from '../types.ts';
import { brokerRequest } from './broker-request.ts';
import { guarded } from './errors.ts';

/** Attempts of an outage (a connection lost) before the caller hears of it; refusals are final. */
const RETRIES = 3;

/**
 * Sends the Heartbeat the member would send (group, generation, member id, instance id) to the
 * group's coordinator, looked up anew: the broker answers it without error only while the group
 * is at that generation with that member and no rebalance is under way. For a current member it
 * also counts as a heartbeat, which does no harm (see brokerRequest).
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
  return brokerRequest(
    admin,
    'Heartbeat',
    coordinatorId,
    () => [m.groupId, m.generationId, m.memberId, m.groupInstanceId],
    RETRIES,
  );
}
