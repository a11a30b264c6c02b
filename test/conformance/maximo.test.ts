import { maximo } from '../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../connectors/maximo/simulator.ts';
import type { WorkOrderCommand } from '../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../support/domain.ts';
import type { Stage } from './department.ts';
import { conformanceSuite } from './suite.ts';

let sim = new MaximoSimulator();
let seeded = 0;
// The simulator's clock, held still to make changes share a changedate.
let frozen: number | null = null;
const clock = () => frozen ?? Date.now();

const STAGES: Record<Stage, string[]> = {
  assigned: ['APPR'],
  scheduled: ['WSCH', 'WMATL'],
  completed: ['INPRG', 'COMP'],
};

/** A work order made for a ticket, with the crews' plan given; returns the ticket id. */
function addWorkOrder(steps: string[]): string {
  seeded += 1;
  const ticketId = `S-${seeded}`;
  sim.addWorkOrder(
    { siteid: 'BALT-DOT', origrecordid: ticketId, origrecordclass: 'SR', externalrefid: `${ticketId}#1` },
    steps,
  );
  return ticketId;
}

/** The work order's crews move it to `stage`, every step a change in the feed. */
function progress(ref: string, stage: Stage): void {
  const plan = sim.plans.get(sim.find(ref)?.wonum ?? '');
  if (!plan) throw new Error(`no work order ${ref}`);
  plan.steps = [...STAGES[stage]];
  while (sim.tick() > 0);
}

async function commands(ids: string[]): Promise<WorkOrderCommand[]> {
  const bridge = new Bridge(await testPolicy());
  for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  for (const id of ids) bridge.send(crm(id, 'UPDATED', 2, { note: 'Gate code 1234.' }));
  for (const id of ids)
    bridge.send(crm(id, 'CANCELLED', 3, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Filled by a neighbour.' }));
  return bridge.commands;
}

conformanceSuite({
  connector: maximo,
  requiredKeys: ['baseUrl', 'jurisdiction', 'departments'],
  sourceTopic: 'deptEvents',
  env: { MAXIMO_API_KEY: 'key' },
  async start(faults) {
    await sim.stop();
    frozen = null;
    // Maximo behind a TLS-offloading proxy: its hrefs name http:// and a host the bridge does not call.
    sim = new MaximoSimulator({
      apiKey: 'key',
      clock,
      hrefBase: 'http://maximo.city.gov',
      ...(faults ? { faults } : {}),
    });
    return sim.start();
  },
  stop: () => sim.stop(),
  config: (url) => ({
    baseUrl: url,
    jurisdiction: 'testville',
    departments: { transportation: 'BALT-DOT' },
    pageSize: 2,
    timeoutMs: 1_000,
  }),
  async seed(n) {
    // A new work order is one change (WAPPR); created in the same second, they share a changedate.
    for (let i = 0; i < n; i += 1) addWorkOrder([]);
  },
  async unreadable() {
    // A row without its site: no department can be told which work order it is.
    sim.corruptNextChange({ unset: ['siteid'] });
    addWorkOrder([]);
    return { field: 'siteid' };
  },
  sinkRecords: () => commands(['M-1', 'M-2', 'M-3']),
  async refusedRecord() {
    const [create] = await commands(['M-404']);
    if (!create) throw new Error('no command');
    // Cancelling a work order that was never created: Maximo has none to cancel.
    return { ...create, kind: 'CANCEL', workOrderId: 'never-created#1' };
  },
  lookup: {
    async changed() {
      const ticketId = addWorkOrder(['APPR']);
      // The crew approves it, but the change leaves no new changedate for the feed to find.
      sim.loseNextChanges(1);
      sim.tick();
      const ref = { workOrderId: `${ticketId}#1`, ticketId, department: 'transportation', system: 'maximo' };
      return {
        ask: (l) => l.workOrder?.(ref) ?? Promise.reject(new Error('no work-order lookup')),
        current: { ticketId, workOrderId: ref.workOrderId, rawStatus: 'APPR', systemClosed: false },
      };
    },
    missing: (l) =>
      l.workOrder?.({ workOrderId: 'never#1', ticketId: 'never', department: 'transportation', system: 'maximo' }) ??
      Promise.reject(new Error('no work-order lookup')),
  },
  setFaults: (faults) => sim.server.setFaults(faults),
  applied: () =>
    [...sim.workOrders.values()].map((w) => [
      w.externalrefid,
      w.status,
      w.wopriority,
      w.worklog.map((l) => l.description_longdescription),
    ]),
  department: {
    serviceCode: 'POTHOLE',
    workOrder(ref) {
      const w = sim.find(ref);
      return (
        w && {
          ticketRef: w.origrecordclass === 'SR' ? w.origrecordid : null,
          priority: w.wopriority,
          // The text a crew reads, without the line that names the bridge's command (see noteRef).
          notes: w.worklog.map((l) =>
            (l.description_longdescription ?? l.description).replace(/\n\n311 bridge ref: \S+$/, ''),
          ),
          cancelled: w.status === 'CAN',
        }
      );
    },
    progress,
    async seedTied(n) {
      frozen ??= Math.floor(Date.now() / 1000) * 1000 + 500;
      for (let i = 0; i < n; i += 1) addWorkOrder([]);
    },
    smallPages: (url) => ({
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'BALT-DOT' },
      pageSize: 2,
    }),
    setFaults: (faults) => sim.server.setFaults(faults),
    lateCommit(ref, stage) {
      // Server A saves the work order's steps in one long transaction; server B saves another
      // work order two seconds later and commits at once.
      const saved = Math.floor(Date.now() / 1000) * 1000;
      frozen = saved;
      sim.holdNextChanges(1);
      progress(ref, stage);
      frozen = saved + 2_000;
      addWorkOrder([]);
      frozen = null;
      return { commit: () => sim.commitHeld() };
    },
  },
});
