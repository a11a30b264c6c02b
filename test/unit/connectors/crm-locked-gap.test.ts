import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const cleanup = cleanupAfter('each');

// A CRM that checks an agent's edit lock before the version (423 to any update of a locked
// ticket), holding v0: status v2 skips v1, which never reached it.
describe('crm-rest sink, a locked ticket missing an earlier status', () => {
  it('is out of order (dead-lettered at once), not a retriable lock', async () => {
    const server = createServer((req, res) => {
      if (req.method === 'PUT') {
        res.writeHead(423, { 'content-type': 'application/json', 'retry-after': '30' });
        return res.end(JSON.stringify({ error: 'Ticket is locked' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'SR-1', status: 'open', statusVersion: 0 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl: url, jurisdiction: 'testville' });
    const sink = crmRest.sink?.(config, {
      logger: createLogger({ level: 'silent' }),
      env: { CRM_API_TOKEN: 'tok' },
      clock: Date.now,
    });
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('SR-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('SR-1', 'SR-1#1', 'maximo', 'COMP', 2, { department: 'transportation' }));
    const v2 = bridge.statusesOf('SR-1')[1];
    if (!sink || !v2) throw new Error('setup');
    const err = await sink.deliver(v2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CL_CONNECTOR_OUT_OF_ORDER' });
  });
});
