import { joinGroupV9, syncGroupV5, type Connection } from '@platformatic/kafka';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroupMembership, MessagingAdmin } from '../../src/messaging/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { testMessaging, uniqueName } from '../support/kafka.ts';
import { KafkaWire } from '../support/platformatic-wire.ts';
import { untilAsync } from '../support/wait.ts';

// A group's rebalance, caught half-way: a new member has joined and the old member has not
// joined again yet. The broker then answers the old member's heartbeat REBALANCE_IN_PROGRESS,
// where a finished rebalance would answer ILLEGAL_GENERATION. The group's members here speak
// the group protocol themselves, so the old one stays half-way for as long as the test needs;
// a client's consumer would join again at its next heartbeat, and the window would be a race.
// The requests' versions (JoinGroup v9, SyncGroup v5) need Kafka 3.2 or later.
const messaging = testMessaging();
let admin: MessagingAdmin;
const wire = new KafkaWire();

beforeAll(async () => {
  admin = messaging.admin();
  await admin.connect();
});

afterAll(async () => {
  await wire.close();
  await admin.disconnect();
});

const SESSION_MS = 10_000;
const REBALANCE_MS = 10_000;

type JoinGroupResponse = Awaited<ReturnType<typeof joinGroupV9.api.async>>;

const join = (c: Connection, groupId: string, memberId: string): Promise<JoinGroupResponse> =>
  joinGroupV9.api.async(c, groupId, SESSION_MS, REBALANCE_MS, memberId, null, 'consumer', [
    { name: 'roundrobin', metadata: Buffer.alloc(0) },
  ]);

/** A member id from the coordinator (KIP-394: the first join without one is answered with it). */
async function memberId(c: Connection, groupId: string): Promise<string> {
  const first = await join(c, groupId, '').catch((err: { response?: JoinGroupResponse }) => err.response);
  if (!first?.memberId) throw new Error('the coordinator gave no member id');
  return first.memberId;
}

it('refuses a membership whose group is rebalancing away from its generation, naming the rebalance', async () => {
  const groupId = uniqueName('it.rebalancing');
  const old = await wire.groupCoordinator(groupId);
  const oldId = await memberId(old, groupId);
  const joined = await join(old, groupId, oldId);
  expect(joined.leader).toBe(oldId);
  await syncGroupV5.api.async(old, groupId, joined.generationId, oldId, null, 'consumer', 'roundrobin', [
    { memberId: oldId, assignment: Buffer.alloc(0) },
  ]);
  const membership: GroupMembership = {
    groupId,
    generationId: joined.generationId,
    memberId: oldId,
    groupInstanceId: null,
  };
  await admin.checkMembership(membership);

  // The newcomer's join is answered only once the rebalance ends: it is left waiting.
  const newcomer = await wire.groupCoordinator(groupId);
  const waiting = join(newcomer, groupId, await memberId(newcomer, groupId)).catch(() => null);
  let refused: unknown = null;
  // The coordinator may take the newcomer's join after a check has gone out on another connection.
  await untilAsync(
    'the membership refused once another member joined',
    async () =>
      (refused = await admin.checkMembership(membership).then(
        () => null,
        (e: unknown) => e,
      )) !== null,
    5_000,
  );
  if (!(refused instanceof CloseloopError)) throw new Error(`expected a CloseloopError, got ${String(refused)}`);
  expect([refused.code, refused.retriable, refused.details?.['kafkaApiErrors']]).toEqual([
    'CL_KAFKA_NOT_MEMBER',
    false,
    ['REBALANCE_IN_PROGRESS'],
  ]);
  expect(refused.message).toContain(`rebalancing away from generation ${joined.generationId}`);
  // Still waiting: the old member has not joined again, so the rebalance is still half-way.
  expect(await Promise.race([waiting, 'waiting'])).toBe('waiting');
});
