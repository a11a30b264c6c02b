// Links corrected while messages are in flight: Bridge.step() delivers them one at a time, in
// the order each test names, as partitions may (send() would deliver them all at once).
import { beforeEach, describe, expect, it } from 'vitest';
import { Bridge, crm, link, testPolicy } from '../../support/domain.ts';

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
