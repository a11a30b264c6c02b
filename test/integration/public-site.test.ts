import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { startPublicService, type PublicService } from '../../src/public/service.ts';
import { Bridge, crm, dept } from '../support/domain.ts';
import { testMessaging } from '../support/kafka.ts';
import { step, testConfig, testProcessor } from '../support/processor.ts';
import { statusApiSettings } from '../support/status-api.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const messaging = testMessaging();
const cleanup = cleanupAfter('all');

const settings = statusApiSettings({ cityName: 'Testville', timeZone: 'America/New_York' });
const CONTACT = ['jane.doe@example.org', '410-555-0100', 'Jane Doe'];
const location = { address: '1200 N Charles St', latitude: 39.3043, longitude: -76.6163, district: 'Central' };

describe('closeloop public fed from Kafka', () => {
  it('restores its figures and pages from the CRM and status topics, with no contact data', async () => {
    const { config } = await testConfig(3, 30);
    const expected = new Bridge(config.policy);
    const requestedAt = Date.UTC(2026, 9, 5, 14, 3);
    // The processor handles the requests minutes after they were made: a request time ahead of
    // its clock would be judged implausible, and the figures count the time it judged.
    expected.now = requestedAt + 5 * 60_000;
    const processor = testProcessor(config, messaging, () => expected.now);
    cleanup.push(() => processor.stop());
    await processor.start();
    const description = `Pothole; call ${CONTACT[2]} at ${CONTACT[1]} or ${CONTACT[0]}`;
    const open = { serviceCode: 'POTHOLE', serviceName: 'Pothole', description, requestedAt, location };
    await step(config, messaging, expected, [
      crm('P1', 'OPENED', 1, { ...open, channel: 'WEB', requestKind: 'SERVICE' }),
      crm('P2', 'OPENED', 1, { ...open, channel: 'PHONE', requestKind: 'SERVICE' }),
    ]);
    await step(config, messaging, expected, [
      dept('P1', 'P1#1', 'maximo', 'COMP', 2, { department: 'transportation', note: `Done; told ${CONTACT[1]}.` }),
    ]);

    const now = () => Date.UTC(2026, 10, 15);
    const logger = createLogger({ level: 'silent' });
    const check = async (service: PublicService) => {
      const text = async (p: string) => {
        const body = await (await fetch(`${service.url}${p}`)).text();
        for (const c of CONTACT) expect(body).not.toContain(c);
        return body;
      };
      const figures = JSON.parse(await text('/performance.json?month=2026-10')) as Record<string, unknown>;
      expect(figures).toMatchObject({
        month: '2026-10',
        definitionVersion: 3,
        received: 2,
        service: 2,
        information: 0,
      });
      expect(figures['byChannel']).toEqual([
        { key: 'PHONE', label: 'Phone', count: 1 },
        { key: 'WEB', label: 'Web', count: 1 },
      ]);
      const page = await text('/track/P1');
      expect(page).toContain('1200 N Charles St');
      expect(page).toContain('The work was done.');
      expect(page).toContain('[redacted]');
      expect(await text('/performance?month=2026-10')).toContain('Pothole');
    };

    const first = await startPublicService(config, settings, messaging, logger, now);
    await check(first);
    await first.stop();
    // A second instance starts from nothing and restores the same view from the topics.
    const second = await startPublicService(config, settings, messaging, logger, now);
    cleanup.push(() => second.stop());
    await check(second);
  });
});
