import { posse } from '../../connectors/posse/index.ts';
import { PosseSimulator } from '../../connectors/posse/simulator.ts';
import type { WorkOrderCommand } from '../../src/sdk/index.ts';
import { Bridge, crm, testPolicy } from '../support/domain.ts';
import type { Stage } from './department.ts';
import { conformanceSuite } from './suite.ts';

let sim = new PosseSimulator();
let seeded = 0;
// The simulator's clock, held still to make processes complete at one and the same time.
let frozen: number | null = null;
const clock = () => frozen ?? Date.now();

const STAGES: Record<Stage, string[]> = {
  // Closed in POSSE at assignment while the work goes on: the ticket must stay open.
  assigned: ['RECEIVED', 'INTAKE_ACCEPTED', 'ASSIGNED_CLOSED'],
  scheduled: ['INSPECTION_SCHEDULED'],
  completed: ['INSPECTION_STARTED', 'COMPLIED'],
};

function addJob(plan: string[]): string {
  seeded += 1;
  sim.jobs.set(`seed-${seeded}`, {
    jobId: `seed-${seeded}`,
    externalRef: `S-${seeded}#1`,
    ticketId: `S-${seeded}`,
    department: 'housing',
    serviceCode: 'SR-HIGH-GRASS',
    description: null,
    priority: 3,
    status: 'Open',
    notes: [],
    createdAt: clock(),
    lastProcess: null,
    plan: [],
    done: false,
  });
  sim.replan(`seed-${seeded}`, plan);
  return `S-${seeded}`;
}

async function commands(ids: string[]): Promise<WorkOrderCommand[]> {
  const bridge = new Bridge(await testPolicy());
  for (const id of ids) bridge.send(crm(id, 'OPENED', 1, { serviceCode: 'GRASS' }));
  for (const id of ids)
    bridge.send(crm(id, 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: 'Fixed by the owner.' }));
  return bridge.commands;
}

conformanceSuite({
  connector: posse,
  requiredKeys: ['baseUrl', 'jurisdiction', 'departments'],
  sourceTopic: 'deptEvents',
  env: { POSSE_API_TOKEN: 'tok' },
  async start(faults) {
    await sim.stop();
    frozen = null;
    sim = new PosseSimulator({ token: 'tok', clock, ...(faults ? { faults } : {}) });
    return sim.start();
  },
  stop: () => sim.stop(),
  config: (url) => ({ baseUrl: url, jurisdiction: 'testville', departments: ['housing'], timeoutMs: 1_000 }),
  async seed(n) {
    // Each new job's first process (RECEIVED) completes on the next tick: n jobs, n changes.
    for (let i = 0; i < n; i += 1) addJob(['RECEIVED']);
    sim.tick();
  },
  async unreadable() {
    // A process without its outcome code: there is nothing to map to a state.
    sim.corruptNextChange({ unset: ['outcome'] });
    addJob(['RECEIVED']);
    sim.tick();
    return { field: 'outcome' };
  },
  sinkRecords: () => commands(['P-1', 'P-2', 'P-3']),
  async refusedRecord() {
    const [create] = await commands(['P-404']);
    if (!create) throw new Error('no command');
    // Cancelling a job that was never created: the system refuses it (404).
    return { ...create, kind: 'CANCEL', workOrderId: 'never-created#1' };
  },
  lookup: {
    async changed() {
      const ticketId = addJob(['RECEIVED', 'INTAKE_ACCEPTED']);
      sim.tick();
      // The job moves on, but its change never reaches the feed.
      sim.loseNextChanges(1);
      sim.tick();
      const ref = { workOrderId: `${ticketId}#1`, ticketId, department: 'housing', system: 'posse' };
      return {
        ask: (l) => l.workOrder?.(ref) ?? Promise.reject(new Error('no work-order lookup')),
        current: { ticketId, workOrderId: ref.workOrderId, rawStatus: 'INTAKE_ACCEPTED', systemClosed: false },
      };
    },
    missing: (l) =>
      l.workOrder?.({ workOrderId: 'never#1', ticketId: 'never', department: 'housing', system: 'posse' }) ??
      Promise.reject(new Error('no work-order lookup')),
  },
  setFaults: (faults) => sim.server.setFaults(faults),
  applied: () => [...sim.jobs.values()].map((j) => [j.externalRef, j.status, j.done, j.priority]),
  department: {
    serviceCode: 'GRASS',
    workOrder(ref) {
      const j = [...sim.jobs.values()].find((x) => x.externalRef === ref);
      return (
        j && {
          ticketRef: j.ticketId,
          priority: j.priority,
          notes: j.notes,
          cancelled: j.lastProcess?.outcome === 'WITHDRAWN',
        }
      );
    },
    progress(ref, stage) {
      const job = [...sim.jobs.values()].find((x) => x.externalRef === ref);
      if (!job) throw new Error(`no job ${ref}`);
      sim.replan(job.jobId, STAGES[stage]);
      while (job.plan.length > 0) sim.tick();
    },
    async seedTied(n) {
      frozen ??= Date.now();
      for (let i = 0; i < n; i += 1) addJob(['RECEIVED']);
      sim.tick();
    },
    smallPages: (url) => ({ baseUrl: url, jurisdiction: 'testville', departments: ['housing'], pageSize: 2 }),
    setFaults: (faults) => sim.server.setFaults(faults),
  },
});
