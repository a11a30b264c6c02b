import { crmRest } from '../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import type { TicketStatusChange } from '../../src/sdk/index.ts';
import { Bridge, crm, dept, testPolicy } from '../support/domain.ts';
import { conformanceSuite } from './suite.ts';

let sim = new CrmSimulator();
// A change committed late commits an hour after its save: the simulator's clock runs ahead of the
// wall clock by as much as the test has let pass (see committedLate).
const LAG_MS = 3_600_000;
let ahead = 0;

conformanceSuite({
  connector: crmRest,
  requiredKeys: ['baseUrl', 'jurisdiction'],
  sourceTopic: 'crmEvents',
  env: { CRM_API_TOKEN: 'tok' },
  async start(faults) {
    await sim.stop();
    ahead = 0;
    sim = new CrmSimulator({
      token: 'tok',
      clock: () => Date.now() + ahead,
      commitLagMs: LAG_MS,
      ...(faults ? { faults } : {}),
    });
    return sim.start();
  },
  stop: () => sim.stop(),
  config: (url) => ({ baseUrl: url, jurisdiction: 'testville', timeoutMs: 1_000 }),
  async seed(n) {
    for (let i = 0; i < n; i += 1) sim.createTicket({ serviceCode: 'SR-POTHOLE' });
  },
  async unreadable() {
    // A CRM that learned to reopen tickets: the bridge has no such event and must not guess one.
    sim.corruptNextChange({ set: { kind: 'REOPENED' } });
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    return { field: 'kind' };
  },
  async committedLate() {
    sim.commitLate();
    sim.createTicket({ serviceCode: 'SR-POTHOLE' });
    return {
      commit: () => {
        ahead += LAG_MS;
      },
    };
  },
  async sinkRecords(): Promise<TicketStatusChange[]> {
    const bridge = new Bridge(await testPolicy());
    const ids = [1, 2, 3].map(() => sim.createTicket({ serviceCode: 'SR-POTHOLE' }).id);
    for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    for (const id of ids) bridge.send(dept(id, `${id}#1`, 'maximo', 'COMP', 2));
    return bridge.statuses;
  },
  async refusedRecord() {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-000000', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    return bridge.lastStatus('SR-000000');
  },
  lookup: {
    async changed() {
      const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
      sim.closeByHand(t.id, 'Closed at the counter.', 'NO_ACTION_REQUIRED');
      return {
        ask: (l) => l.ticket?.(t.id) ?? Promise.reject(new Error('no ticket lookup')),
        current: {
          ticketId: t.id,
          status: 'closed',
          statusVersion: 0,
          closureReason: 'NO_ACTION_REQUIRED',
          updatedAt: t.updatedAt,
        },
      };
    },
    missing: (l) => l.ticket?.('SR-999999') ?? Promise.reject(new Error('no ticket lookup')),
  },
  setFaults: (faults) => sim.server.setFaults(faults),
  applied: () => ({
    applied: sim.applied.map((a) => [a.ticketId, a.version]),
    tickets: [...sim.tickets.values()].map((t) => [t.id, t.status, t.statusVersion]),
  }),
});
