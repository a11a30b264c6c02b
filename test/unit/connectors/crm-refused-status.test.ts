import { expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/messaging/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { TOPIC, crmSinkRunner } from '../../support/crm-sink.ts';
import { Bridge, crm, testPolicy } from '../../support/domain.ts';
import { until, untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

// A status the CRM refuses for good (here a ticket it does not know: deleted in the CRM, or
// another environment's) leaves the CRM showing an older status, or none. It was dead-lettered
// with no alert, and its DEAD_LETTERED receipt counted as confirmed, so nothing named the ticket.
it('alerts on a status the CRM refuses, naming the ticket, and the alert holds readiness until dealt with', async () => {
  const { sim, run, send, read, readiness, receipts } = await crmSinkRunner(cleanup, 3, 5);
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm('SR-404404', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  await send(bridge.lastStatus('SR-404404'));
  await until('the status refused', () => run.status().deadLettered === 1, 5_000);
  expect(sim.applied).toEqual([]);
  const letters = await read<TicketStatusChange>(deadLetterTopic(TOPIC));
  expect(letters.map((l) => l.headers[DLQ_HEADERS.code]?.toString())).toEqual(['CL_CONNECTOR_REJECTED']);
  expect(run.status().exhausted).toEqual([
    expect.objectContaining({
      ticketId: 'SR-404404',
      subject: 'v1',
      detail: expect.stringMatching(/^refused by the system \(CL_CONNECTOR_REJECTED HTTP 404\); dead-lettered/),
    }),
  ]);
  expect(readiness()).toMatchObject({ ready: false });
  expect(readiness().reasons).toEqual([expect.stringContaining('ticket SR-404404, v1: refused by the system')]);
  await untilAsync('the receipt', async () => (await receipts()).length === 1, 5_000);
  expect(await receipts()).toEqual(['v1 DEAD_LETTERED']);
});
