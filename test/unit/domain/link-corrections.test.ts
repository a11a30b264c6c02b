// Links corrected while messages are in flight: Bridge.step() delivers them one at a time, in
// the order each test names, as partitions may (send() would deliver them all at once).
import { beforeEach, describe, expect, it } from 'vitest';
import { Bridge, crm, dept, link, testPolicy } from '../../support/domain.ts';

let bridge: Bridge;
beforeEach(async () => {
  bridge = new Bridge(await testPolicy());
});

const sent = (links: readonly { kind: string; ticketId: string; reason: string | null }[]) =>
  links.map((l) => `${l.kind}->${l.ticketId}${l.reason ? `/${l.reason}` : ''}`);

describe('a correction pending when the CRM names the current parent again', () => {
  it('withdraws the pending request, whatever link type the CRM names now', () => {
    for (const id of ['P1', 'P2', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    const first = bridge.step(crm('D', 'UPDATED', 3, { duplicateOf: 'P2' }));
    const second = bridge.step(crm('D', 'UPDATED', 4, { followUpOf: 'P1' }));
    expect(sent(first.links)).toEqual(['LINK_REQUEST->P2']);
    expect(sent(second.links)).toContain('LINK_REJECTED->P2/LINK_WITHDRAWN');
    // P2 hears the request and then the withdrawal: it does not list D for good.
    for (const m of [...first.links, ...second.links].filter((l) => l.ticketId === 'P2')) bridge.send(link(m));
    expect(bridge.ticket('P2').children).toEqual([]);
  });
});

describe('an accepted link changed to the other type of the same parent', () => {
  it('keeps the accepted link until the parent answers: no "Returned to 311", no UNDOCUMENTED_CLOSURE', () => {
    for (const id of ['P1', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    const before = bridge.statusesOf('D').length;
    const changed = bridge.step(crm('D', 'UPDATED', 3, { followUpOf: 'P1' }));
    expect(sent(changed.links)).toEqual(['LINK_REQUEST->P1']);
    expect(changed.statuses).toEqual([]);
    expect(changed.violations).toEqual([]);
    expect(bridge.ticket('D').parent).toMatchObject({ ticketId: 'P1', linkType: 'DUPLICATE', accepted: true });
    const answer = bridge.step(link(changed.links[0]));
    expect(bridge.ticket('P1').children).toEqual([{ ticketId: 'D', linkType: 'FOLLOW_UP' }]);
    bridge.send(link(answer.links.find((l) => l.ticketId === 'D' && l.kind === 'PARENT_STATUS')));
    expect(bridge.violationsOf('D')).toEqual([]);
    expect(
      bridge
        .statusesOf('D')
        .slice(before)
        .map((s) => s.statusNote),
    ).not.toContainEqual(expect.stringContaining('Returned to 311'));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'OPEN', followUpOf: 'P1', duplicateOf: null });
    // P1 is withdrawn from nothing: it still tells D its news, and D closes with it.
    bridge.send(dept('P1', 'P1#1', 'maximo', 'COMP', 11, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP', followUpOf: 'P1' });
  });

  it('leaves no review awaited for a follow-up that is now a duplicate', () => {
    bridge.send(crm('P1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('P1', 'P1#1', 'maximo', 'COMP', 5, { department: 'transportation' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P1' }));
    expect(bridge.ticket('P1').reviewPending).toBe('F');
    // Now a duplicate: P1's review is no longer awaited for it.
    bridge.send(crm('F', 'UPDATED', 2, { duplicateOf: 'P1' }));
    expect(bridge.ticket('F').parent).toMatchObject({ ticketId: 'P1', linkType: 'DUPLICATE', accepted: true });
    expect(bridge.ticket('P1')).toMatchObject({
      reviewPending: null,
      children: [{ ticketId: 'F', linkType: 'DUPLICATE' }],
    });
    // P1 resolved with no review pending: the duplicate closes with it.
    expect(bridge.lastStatus('F')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P1',
    });
  });

  it('keeps the parent it has listing it when corrected on to a third parent meanwhile', () => {
    for (const id of ['P1', 'P3', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.step(crm('D', 'UPDATED', 3, { followUpOf: 'P1' }));
    const onward = bridge.step(crm('D', 'UPDATED', 4, { duplicateOf: 'P3' }));
    expect(sent(onward.links)).toEqual(['LINK_REQUEST->P3']);
    expect(bridge.ticket('P1').children).toEqual([{ ticketId: 'D', linkType: 'DUPLICATE' }]);
  });

  it('takes the answer to the type it asks now, not to the request it replaced', () => {
    for (const id of ['P1', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const asked = bridge.step(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    const changed = bridge.step(crm('D', 'UPDATED', 3, { followUpOf: 'P1' }));
    const oldAnswer = bridge.step(link(asked.links[0]));
    const newAnswer = bridge.step(link(changed.links.find((l) => l.kind === 'LINK_REQUEST')));
    bridge.step(link(oldAnswer.links.find((l) => l.ticketId === 'D')));
    expect(bridge.ticket('D').parent).toMatchObject({ linkType: 'FOLLOW_UP', accepted: false });
    bridge.step(link(newAnswer.links.find((l) => l.ticketId === 'D')));
    expect(bridge.ticket('D').parent).toMatchObject({ linkType: 'FOLLOW_UP', accepted: true });
    expect(bridge.ticket('P1').children).toEqual([{ ticketId: 'D', linkType: 'FOLLOW_UP' }]);
    // A follow-up's own work goes on: it is not withdrawn as a duplicate's would be.
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => c.kind)).toEqual(['CREATE']);
  });
});

describe('a follow-up withdrawn from a resolved original under review', () => {
  it('leaves no review pending for it, and the original tells its other children it is settled', () => {
    bridge.send(crm('O', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('O', 'O#1', 'maximo', 'COMP', 2, { department: 'transportation' }));
    bridge.send(crm('O2', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'O' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'O' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 3, { department: 'transportation' }));
    expect(bridge.ticket('O').reviewPending).toBe('F');
    expect(bridge.lastStatus('D').crmStatus).toBe('OPEN');

    bridge.send(crm('F', 'UPDATED', 2, { followUpOf: 'O2' }));
    expect(bridge.ticket('F').parent).toMatchObject({ ticketId: 'O2', accepted: true });
    expect(bridge.ticket('O')).toMatchObject({ reviewPending: null, children: [{ ticketId: 'D' }] });
    expect(bridge.lastStatus('D')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'DUPLICATE', duplicateOf: 'O' });
  });
});

describe('a correction pending when the parent let go closes first', () => {
  function correctedThenP1Cancelled(to: string) {
    for (const id of ['P1', 'P2', 'D']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(crm('D', 'DUPLICATE_DECLARED', 2, { duplicateOf: 'P1' }));
    bridge.send(dept('D', 'D#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    const request = bridge.step(crm('D', 'UPDATED', 3, { duplicateOf: to })).links[0];
    bridge.send(crm('P1', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    // P1's department confirms; its news to D is read before the answer of the parent asked.
    const cancelled = bridge.step(dept('P1', 'P1#1', 'maximo', 'CAN', 11, { department: 'transportation' }));
    const answer = bridge.step(link(request));
    bridge.step(link(cancelled.links.find((l) => l.ticketId === 'D')));
    return answer;
  }

  it('passes the link to the parent asked when it takes the ticket: not sent to a department again', () => {
    const answer = correctedThenP1Cancelled('P2');
    bridge.send(link(answer.links.find((l) => l.ticketId === 'D')));
    expect(bridge.ticket('D').parent).toMatchObject({ ticketId: 'P2', accepted: true, pendingTicketId: null });
    expect(bridge.ticket('P2').children).toEqual([{ ticketId: 'D', linkType: 'DUPLICATE' }]);
    expect(bridge.ticket('P1').children).toEqual([]);
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => c.kind)).toEqual(['CREATE', 'CANCEL']);
    expect(bridge.violationsOf('D')).toEqual([]);
    bridge.send(dept('P2', 'P2#1', 'maximo', 'COMP', 12, { department: 'transportation' }));
    expect(bridge.lastStatus('D')).toMatchObject({
      crmStatus: 'CLOSED',
      closureReason: 'DUPLICATE',
      duplicateOf: 'P2',
    });
  });

  it('releases the ticket when the parent asked refuses, as the cancelled parent would have', () => {
    const answer = correctedThenP1Cancelled('GONE');
    bridge.send(link(answer.links.find((l) => l.ticketId === 'D')));
    expect(bridge.ticket('D').parent).toBeNull();
    expect(bridge.violationsOf('D')).toMatchObject([{ kind: 'UNKNOWN_PARENT', linkType: 'DUPLICATE' }]);
    expect(bridge.commands.filter((c) => c.ticketId === 'D').map((c) => c.kind)).toEqual([
      'CREATE',
      'CANCEL',
      'CREATE',
    ]);
  });
});

describe('a follow-up corrected to another original, the old one resolving first', () => {
  it('does not close with the original the CRM corrected away, and moves to the new one', () => {
    for (const id of ['P1', 'P2']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('P2', 'P2#1', 'maximo', 'COMP', 5, { department: 'transportation' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P1' }));
    const corr = bridge.step(crm('F', 'UPDATED', 2, { followUpOf: 'P2' }));
    const p1 = bridge.step(dept('P1', 'P1#1', 'maximo', 'COMP', 6, { department: 'transportation' }));
    const answer = bridge.step(link(corr.links[0]));
    expect(answer.commands.map((c) => c.kind)).toEqual(['REVIEW']);
    const closing = bridge.step(link(p1.links.find((l) => l.ticketId === 'F')));
    expect(closing.statuses).toEqual([]);
    bridge.send(link(answer.links.find((l) => l.ticketId === 'F')));
    expect(bridge.ticket('F').parent).toMatchObject({ ticketId: 'P2', accepted: true });
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'OPEN', followUpOf: 'P2' });
    expect(bridge.ticket('P1').children).toEqual([]);
    // P2's review settles it: F closes with P2.
    bridge.send(dept('P2', 'P2#1', 'maximo', 'COMP', 7, { department: 'transportation' }));
    expect(bridge.lastStatus('F')).toMatchObject({ crmStatus: 'CLOSED', closureReason: 'FOLLOW_UP', followUpOf: 'P2' });
  });

  it('is let go by the new original when it answers a follow-up closed meanwhile', () => {
    for (const id of ['P1', 'P2']) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('P2', 'P2#1', 'maximo', 'COMP', 5, { department: 'transportation' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P1' }));
    const corr = bridge.step(crm('F', 'UPDATED', 2, { followUpOf: 'P2' }));
    // The resident withdraws F before P2 answers: it closes for the CRM's reason.
    bridge.send(crm('F', 'CANCELLED', 3, { closureReason: 'CANCELLED_BY_REQUESTOR' }));
    expect(bridge.lastStatus('F').crmStatus).toBe('CLOSED');
    bridge.send(link(corr.links[0]));
    expect(bridge.ticket('P2')).toMatchObject({ children: [], reviewPending: null });
  });
});

describe('a request replaced by the other link type, refused by a parent that took the first', () => {
  it('lets the parent go: it lists the ticket no more, and a later follow-up of it is news', () => {
    // Found by the property tests. The parent took the follow-up; before its answer arrived, the
    // CRM made the ticket a duplicate of it (a request to the same parent, replaced with no
    // withdrawal), and the parent, which had meanwhile asked to be linked itself, refused that.
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const asked = bridge.step(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P' }));
    const took = bridge.step(link(asked.links[0]));
    expect(bridge.ticket('P').children).toEqual([{ ticketId: 'F', linkType: 'FOLLOW_UP' }]);
    const linked = bridge.step(crm('P', 'UPDATED', 2, { followUpOf: 'NOPE' }));
    const changed = bridge.step(crm('F', 'UPDATED', 2, { duplicateOf: 'P' }));
    expect(sent(changed.links)).toEqual(['LINK_REQUEST->P']);
    const refused = bridge.step(link(changed.links[0]));
    expect(sent(refused.links)).toEqual(['LINK_REJECTED->F/PARENT_IS_LINKED']);
    for (const m of took.links) bridge.step(link(m));
    const released = bridge.step(link(refused.links[0]));
    expect(bridge.ticket('F').parent).toBeNull();
    expect(sent(released.links)).toContain('LINK_REJECTED->P/LINK_WITHDRAWN');
    for (const m of released.links.filter((l) => l.ticketId === 'P')) bridge.send(link(m));
    expect(bridge.ticket('P').children).toEqual([]);
    // P's own request is refused (no such ticket): P is free again, and F's new follow-up of it
    // raises its priority, as any new follow-up does.
    for (const m of linked.links) bridge.send(link(m));
    const priority = bridge.ticket('P').priority;
    bridge.send(crm('F', 'UPDATED', 3, { followUpOf: 'P' }));
    expect(bridge.ticket('P').children).toEqual([{ ticketId: 'F', linkType: 'FOLLOW_UP' }]);
    expect(bridge.ticket('P').priority).toBe(priority - 1);
  });
});
