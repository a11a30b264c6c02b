import { describe, expect, it } from 'vitest';
import { MAX_WORK_ORDERS } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

describe('work orders a department opens on its own', () => {
  it(`are taken up to ${MAX_WORK_ORDERS} per ticket; one more is quarantined and the ticket goes on`, async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    const routed = bridge.ticket('T1').workOrders.length;
    expect(routed).toBe(1);
    const more = MAX_WORK_ORDERS - routed + 3;
    for (let i = 0; i < more; i += 1) {
      bridge.send(dept('T1', `T1#crew-${i}`, 'maximo', 'APPR', 2, { department: 'transportation' }));
    }
    expect(bridge.ticket('T1').workOrders).toHaveLength(MAX_WORK_ORDERS);
    const refused = bridge.violationsOf('T1').filter((v) => v.kind === 'TOO_MANY_WORK_ORDERS');
    expect(refused.map((v) => v.workOrderId)).toEqual(['T1#crew-49', 'T1#crew-50', 'T1#crew-51']);
    expect(refused[0]?.detail).toBe(
      `the ticket holds ${MAX_WORK_ORDERS} work orders, the most it may; T1#crew-49 is not taken`,
    );
    // A work order it holds still moves.
    bridge.send(dept('T1', 'T1#crew-0', 'maximo', 'INPRG', 3, { department: 'transportation' }));
    expect(bridge.ticket('T1').workOrders.find((w) => w.workOrderId === 'T1#crew-0')?.state).toBe('IN_PROGRESS');
  });
});
