import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runImport } from '../../src/cli/import-command.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { bridgeRun, TOKENS } from '../support/bridge-run.ts';
import { startFaultWorker } from '../support/fault-worker.ts';
import { testMessaging } from '../support/kafka.ts';
import { until, untilAsync } from '../support/wait.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const mapping = {
  jurisdiction: 'testville',
  source: 'testville-311',
  timeZone: 'America/New_York',
  dateFormats: ['iso'],
  columns: {
    ticketId: 'id',
    openedAt: 'opened',
    closedAt: 'closed',
    status: 'status',
    requestType: 'type',
    department: 'department',
    channel: 'channel',
    parentId: 'parent',
  },
  values: { channel: { phone: 'PHONE' }, status: { open: 'open', closed: 'closed' } },
};

type Run = Awaited<ReturnType<typeof bridgeRun>>;

/** A job the department opened before go-live, under a reference of its own. */
async function departmentJob(run: Run, ticketId: string, externalRef: string): Promise<void> {
  const posseUrl = String(run.config.connectors.find((c) => c.name === 'posse')?.config['baseUrl']);
  const created = await fetch(`${posseUrl}/posse/api/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.POSSE_API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      externalRef,
      ticketId,
      department: 'housing',
      serviceCode: 'GRASS',
      description: 'tall grass',
      priority: 3,
    }),
  });
  expect(created.status).toBe(201);
}

/**
 * Imports `rows` (after the export's header) adopting POSSE's jobs, as at a go-live: the worker
 * starts once the export is on the CRM events topic, and the CRM's own feed, which also reports
 * the tickets opened, comes after it. Returns the import's exit code, what it printed and the worker.
 */
async function goLive(run: Run, rows: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-go-live-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, `id,opened,closed,status,type,department,channel,parent\n${rows}`);
  await writeFile(path.join(dir, 'mapping.yaml'), stringify(mapping));
  const lines: string[] = [];
  const importing = runImport(
    { file, mapping: path.join(dir, 'mapping.yaml'), adopt: 'posse', wait: '120' },
    run.config,
    createLogger({ level: 'silent' }),
    (l) => lines.push(l),
    (l) => lines.push(l),
    TOKENS,
  );
  const admin = testMessaging().admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  await untilAsync(
    'the imported tickets on the CRM events topic',
    // A topic just created may not have its leaders yet: that is "not yet", not a failure.
    async () =>
      (await admin.listTopics()).includes(run.config.topics.crmEvents) &&
      (await admin
        .topicOffsets(run.config.topics.crmEvents)
        .then((ps) => ps.some((p) => BigInt(p.high) > 0n))
        .catch(() => false)),
    60_000,
  );
  const fw = await startFaultWorker(run.config);
  cleanup.push(() => fw.stop());
  return { code: await importing, lines, fw };
}

describe('go-live', () => {
  it('adopts the department job of an open ticket, which then closes the ticket in the CRM, with no second job', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    // Before go-live: the ticket is open in the CRM, and the department opened a job for it
    // under a reference of its own.
    const ticket = run.crm.createTicket({
      serviceCode: 'GRASS',
      contact: { name: 'A Resident', email: 'resident@example.org', phone: null },
    });
    await departmentJob(run, ticket.id, 'HOUSING-2025-0042');
    const { code, lines, fw } = await goLive(run, `${ticket.id},2026-11-02T09:00:00,,open,GRASS,housing,phone,\n`);
    expect(code).toBe(0);
    expect(lines).toContain("adopted 1 of 1 open ticket(s)' existing work orders through posse");

    run.work();
    await until('the ticket closed in the CRM', () => run.crm.tickets.get(ticket.id)?.status === 'closed', 120_000);
    expect(run.posse.jobs.size).toBe(1);
    expect([...run.posse.jobs.values()][0]?.externalRef).toBe('HOUSING-2025-0042');
    const closed = run.crm.tickets.get(ticket.id);
    expect(closed?.lifecycleState).toBe('RESOLVED');
    // The CRM received the live updates only, numbered from 1 without a gap.
    const versions = run.crm.applied.filter((a) => a.ticketId === ticket.id).map((a) => a.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(fw.worker.status().sinks['crm-rest']?.passedOver).toBeGreaterThanOrEqual(1);
  }, 240_000);

  // Rule 4 at go-live: the export shows a duplicate open, its parent in flight. The parent's row
  // and the duplicate's link request reach the parent by different topics, in either order.
  /**
   * A parent and its duplicate open in the CRM, POSSE holding the jobs `refs` names (the parent's,
   * and the duplicate's where given), imported at go-live: the import's adoption line, and the run.
   */
  async function duplicateAtGoLive(refs: { parent: string; duplicate?: string }) {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const contact = { name: 'A Resident', email: 'resident@example.org', phone: null };
    const parent = run.crm.createTicket({ serviceCode: 'GRASS', contact });
    const duplicate = run.crm.createTicket({ serviceCode: 'GRASS', contact });
    await departmentJob(run, parent.id, refs.parent);
    if (refs.duplicate) await departmentJob(run, duplicate.id, refs.duplicate);
    // The duplicate's row first: its link request may well reach the parent before its row.
    const { code, lines } = await goLive(
      run,
      `${duplicate.id},2026-11-02T10:00:00,,open,GRASS,housing,phone,${parent.id}\n` +
        `${parent.id},2026-11-02T09:00:00,,open,GRASS,housing,phone,\n`,
    );
    expect(code).toBe(0);
    const adopted = lines.filter((l) => l.startsWith('adopted'));
    const closedWithParent = async () => {
      run.work();
      await until(
        'the duplicate closed in the CRM',
        () => run.crm.tickets.get(duplicate.id)?.status === 'closed',
        120_000,
      );
      expect(run.crm.tickets.get(parent.id)?.status).toBe('closed');
      expect(run.crm.tickets.get(duplicate.id)?.lifecycleState).toBe('RESOLVED');
    };
    return { run, adopted, closedWithParent };
  }

  it('closes an open duplicate in the CRM with its parent, when the parent’s department finishes the work', async () => {
    const { run, adopted, closedWithParent } = await duplicateAtGoLive({ parent: 'HOUSING-2025-0043' });
    expect(adopted).toEqual([
      "adopted 1 of 2 open ticket(s)' existing work orders through posse; the others wait for their department as imported",
    ]);
    await closedWithParent();
    // No job was asked for the duplicate: the parent's work covers it.
    expect(run.posse.jobs.size).toBe(1);
  }, 240_000);

  it('withdraws the job its department holds for an open duplicate, which then closes with its parent', async () => {
    const refs = { parent: 'HOUSING-2025-0044', duplicate: 'HOUSING-2025-0045' };
    const { run, adopted, closedWithParent } = await duplicateAtGoLive(refs);
    expect(adopted).toEqual(["adopted 2 of 2 open ticket(s)' existing work orders through posse"]);
    const job = (ref: string) => [...run.posse.jobs.values()].find((j) => j.externalRef === ref);
    // Before the department moves any job: what withdraws the duplicate's is the bridge's CANCEL.
    await until('the duplicate’s job withdrawn', () => job(refs.duplicate)?.done === true, 120_000);
    expect(job(refs.duplicate)?.lastProcess?.outcome).toBe('WITHDRAWN');
    expect(job(refs.parent)?.done).toBe(false);
    await closedWithParent();
    expect(job(refs.parent)?.lastProcess?.outcome).not.toBe('WITHDRAWN');
  }, 240_000);
});
