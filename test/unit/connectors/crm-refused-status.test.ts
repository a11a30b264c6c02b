import { expect, it } from 'vitest';
import type { AlertRecord } from '../../../src/domain/index.ts';
import { DLQ_HEADERS, deadLetterTopic } from '../../../src/messaging/index.ts';
import type { TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { ALERTS, TOPIC, crmSinkRunner } from '../../support/crm-sink.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';
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

// A ticket the CRM refuses every status of raised one alert per version, each held until acked.
// Each status dead-lettered now stands for the older ones: the CRM would show it instead of them.
it('keeps one alert per ticket for its refused statuses: each newer one supersedes the older', async () => {
  const { run, send, read, readiness } = await crmSinkRunner(cleanup, 3, 5);
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm('SR-404405', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept('SR-404405', 'SR-404405#1', 'maximo', 'INPRG', 2, { department: 'transportation' }));
  bridge.send(dept('SR-404405', 'SR-404405#1', 'maximo', 'COMP', 3, { department: 'transportation' }));
  const statuses = bridge.statusesOf('SR-404405');
  expect(statuses.map((s) => s.version)).toEqual([1, 2, 3]);
  for (const s of statuses) await send(s);
  await until('every status refused', () => run.status().deadLettered === 3, 5_000);
  expect(run.status().exhausted).toEqual([expect.objectContaining({ ticketId: 'SR-404405', subject: 'v3' })]);
  expect(readiness().reasons).toEqual([expect.stringContaining('ticket SR-404405, v3: refused by the system')]);
  const alerts = async () =>
    (await read<AlertRecord>(ALERTS)).map((a) => `${a.value.alertId} ${a.value.status} ${a.value.detail}`);
  await untilAsync('the alerts written', async () => (await alerts()).length === 5, 5_000);
  expect(await alerts()).toEqual([
    expect.stringMatching(/^SR-404405\|DELIVERY_EXHAUSTED\|v1 RAISED v1: refused by the system/),
    expect.stringMatching(/^SR-404405\|DELIVERY_EXHAUSTED\|v2 RAISED v2: refused by the system/),
    'SR-404405|DELIVERY_EXHAUSTED|v1 CLEARED v1: superseded: v2 of the ticket was dead-lettered too, and its alert stands for both',
    expect.stringMatching(/^SR-404405\|DELIVERY_EXHAUSTED\|v3 RAISED v3: refused by the system/),
    'SR-404405|DELIVERY_EXHAUSTED|v2 CLEARED v2: superseded: v3 of the ticket was dead-lettered too, and its alert stands for both',
  ]);
});
