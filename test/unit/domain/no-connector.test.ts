import { describe, expect, it } from 'vitest';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';

describe('routes without a connector (NO_CONNECTOR)', () => {
  it('passes over a department no connector serves, records it, and routes to the next one', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'DUMPING' }));
    expect(d.violations.map((v) => [v.kind, v.department, v.system])).toEqual([
      ['NO_CONNECTOR', 'solid-waste', 'maximo'],
    ]);
    expect(d.commands.map((c) => [c.kind, c.department, c.system])).toEqual([['CREATE', 'housing', 'posse']]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'ROUTED' });
  });

  it('sends no command anywhere when no route is served, and keeps the ticket open with 311', async () => {
    const bridge = new Bridge({ ...(await testPolicy()), served: ['posse/housing'] });
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(d.violations.map((v) => v.kind)).toEqual(['NO_CONNECTOR', 'UNROUTABLE']);
    expect(d.commands).toEqual([]);
    expect(bridge.lastStatus('T1')).toMatchObject({ crmStatus: 'OPEN', lifecycleState: 'NEW' });
  });

  it('takes every route as served when the config was loaded without connector checks', async () => {
    const bridge = new Bridge(await testPolicy());
    const d = bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    expect(d.violations).toEqual([]);
    expect(d.commands.map((c) => c.system)).toEqual(['maximo']);
  });
});
