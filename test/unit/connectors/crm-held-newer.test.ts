import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const cleanup = cleanupAfter('each');

/** The crm-rest sink against the simulator, telling of statuses the CRM holds a later version of. */
async function sinkOf(repeatConflict: boolean) {
  const sim = new CrmSimulator({ token: 'tok', repeatConflict });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const t = sim.createTicket({
    serviceCode: 'SR-POTHOLE',
    contact: { name: 'Ada Resident', email: 'ada@example.org', phone: '555-0100' },
  });
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept(t.id, `${t.id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' }));
  const [v1, v2] = bridge.statusesOf(t.id);
  if (!v1 || !v2) throw new Error('expected two statuses');
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  let heldNewer = 0;
  const ctx = {
    logger: createLogger({ level: 'debug', destination }),
    env: { CRM_API_TOKEN: 'tok' },
    clock: Date.now,
    heldNewer: () => (heldNewer += 1),
  };
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
  const sink = crmRest.sink?.(config, ctx);
  if (!sink) throw new Error('crm-rest must have a sink');
  return { sim, ticketId: t.id, v1, v2, sink, lines, heldNewer: () => heldNewer };
}

describe('crm-rest sink: a status the CRM holds a later version of', () => {
  it.each([
    ['applied: false', false],
    ['409', true],
  ])(
    'answered %s, is delivered, counted and said at warn without contact data; a plain repeat is not',
    async (_, conflict) => {
      const { sim, ticketId, v1, v2, sink, lines, heldNewer } = await sinkOf(conflict);
      await sink.deliver(v1);
      await sink.deliver(v1);
      expect(heldNewer()).toBe(0);
      // The CRM holds versions the bridge does not know it sent (its state restored from a backup).
      const ticket = sim.tickets.get(ticketId);
      if (!ticket) throw new Error('no ticket');
      ticket.statusVersion = 5;
      await expect(sink.deliver(v2)).resolves.toBeUndefined();
      expect(heldNewer()).toBe(1);
      expect(sim.applied.map((a) => a.version)).toEqual([1]);
      const warned = lines.filter((l) => l['level'] === 40);
      expect(warned).toEqual([
        expect.objectContaining({
          ticketId,
          version: 2,
          currentVersion: 5,
          msg: expect.stringContaining('holds a later version; counted as delivered') as unknown,
        }),
      ]);
      const said = JSON.stringify(lines);
      for (const contact of ['Ada Resident', 'ada@example.org', '555-0100']) expect(said).not.toContain(contact);
    },
  );
});
