import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../demo/run.ts';
import { endpoints } from '../support/kafka.ts';

describe('the demo, headless', () => {
  it('brings Baltimore requests to a final table where the CRM never closes unfinished work', async () => {
    process.env['KAFKA_BROKERS'] ??= endpoints().brokers;
    process.env['SCHEMA_REGISTRY_URL'] ??= endpoints().registryUrl;
    const lines: string[] = [];
    const logs = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const summary = await runDemo({
      logs: { level: 'debug', destination: logs },
      count: 60,
      seed: 7,
      csv: path.resolve('data/baltimore_311_sample_10k.csv'),
      timeoutMs: 240_000,
      log: () => undefined,
      // Departments that often close on assignment, so the gate is tested on every run.
      behaviour: { closeOnAssignRate: 0.5, notOursRate: 0.1 },
    });
    const t = summary.totals;
    expect(summary.gateViolations).toEqual([]);
    expect(t.tickets).toBe(60 + t.followUps);
    expect(t.followUps).toBeGreaterThan(0);
    expect(t.resolved + Object.values(t.openInterim).reduce((a, b) => a + b, 0)).toBe(t.tickets);
    expect(t.prematureClosesBlocked).toBeGreaterThan(0);
    expect(t.misroutes).toBeGreaterThan(0);
    expect(t.misroutesRerouted).toBeGreaterThan(0);
    expect(t.misroutesRerouted).toBeLessThanOrEqual(t.misroutes);
    expect(t.duplicatesLinked).toBe(t.duplicatesDeclared);
    expect(t.duplicatesResolvedThroughParent).toBe(t.duplicatesLinked);
    // Everything the worker logged, at debug level: no citizen contact data, no credential.
    const logged = lines.join('');
    expect(logged.length).toBeGreaterThan(1_000);
    for (const secret of ['@example.org', '410-555-0100', 'Resident 1', 'demo-crm', 'demo-posse', 'demo-maximo']) {
      expect(logged).not.toContain(secret);
    }
    // Both departments' systems took work: POSSE jobs and transportation's Maximo work orders.
    const maximoRows = summary.rows.filter((r) => r.systems.includes('maximo'));
    expect(maximoRows.length).toBeGreaterThan(0);
    expect(summary.rows.filter((r) => r.systems.includes('posse')).length).toBeGreaterThan(0);
    expect(t.workOrders.maximo).toBe(maximoRows.length);
    for (const row of maximoRows) {
      expect(row.department).toMatch(/^transportation /);
      // Completed in the CRM only once the crew completed (COMP) or closed the work order.
      if (row.closureReason === 'WORK_COMPLETED') expect(row.department).toMatch(/ (COMP|CLOSE)$/);
    }
    // Every row agrees with its department: closed only with every job finished.
    for (const row of summary.rows) {
      if (row.crm.startsWith('closed')) expect(row.department).not.toContain('(working)');
      expect(row.version).toBeGreaterThan(0);
    }
  }, 300_000);
});
