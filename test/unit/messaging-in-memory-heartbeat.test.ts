import { describe, expect, it } from 'vitest';
import { Group, type GroupMember } from '../../src/messaging/in-memory/group.ts';

const member = (id: string): GroupMember => ({ id, topics: ['t'], coPartitioned: true, wake: () => undefined });
const membership = (memberId: string, generationId: number) => ({
  groupId: 'g',
  generationId,
  memberId,
  groupInstanceId: null,
});

// The real broker's answers are checked by the conformance suite; a rebalance under way is not
// something a test can catch there at will, so the in-memory group's answer to it is shown here.
describe('the in-memory group’s answer to a heartbeat (admin.checkMembership)', () => {
  it('takes a member of the generation dealt, and tells it of a rebalance under way, of a newer generation and of its leaving', () => {
    const group = new Group('g', () => 2);
    group.join(member('a'));
    group.rejoin('a', 1);
    expect(group.heartbeat(membership('a', 1))).toBeNull();
    // A second member joins: generation 2 is not dealt until both have rejoined.
    group.join(member('b'));
    expect(group.heartbeat(membership('a', 1))).toBe('REBALANCE_IN_PROGRESS');
    group.rejoin('a', 2);
    group.rejoin('b', 2);
    expect(group.heartbeat(membership('a', 1))).toBe('ILLEGAL_GENERATION');
    expect(group.heartbeat(membership('a', 2))).toBeNull();
    group.leave('b');
    expect(group.heartbeat(membership('b', 2))).toBe('UNKNOWN_MEMBER_ID');
    expect(group.heartbeat(membership('', -1))).toBe('UNKNOWN_MEMBER_ID');
  });
});
