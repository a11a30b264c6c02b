import { expect, it } from 'vitest';
import { CHICAGO_HEADER, chicagoMapping, chicagoRow as row, importExport } from '../../support/city-exports.ts';
import { Bridge, slaTestPolicy } from '../../support/domain.ts';

const OPEN = { STATUS: 'Open', CLOSED_DATE: '' } as const;

async function exported(...rows: string[]) {
  const { result, published } = await importExport([CHICAGO_HEADER, ...rows, ''].join('\n'), chicagoMapping);
  expect(result.rejected).toBe(0);
  return published;
}

// The go-live flow: the history export, then the export of what is open now. A ticket open in
// both whose row changed (transferred to another department) was quarantined as EVENT_ID_REUSED,
// the same event id with other content, and kept the history export's facts.
it('applies a newer export of a ticket still open, and an export imported again changes nothing', async () => {
  const bridge = new Bridge(await slaTestPolicy());
  const send = (events: Awaited<ReturnType<typeof exported>>) =>
    events.map((event) => bridge.send({ type: 'crm', event }));
  const history = await exported(row(2, OPEN));
  const now = await exported(row(2, { ...OPEN, OWNER_DEPARTMENT: 'Streets and Sanitation' }));
  send(history);
  expect(bridge.ticket('SR24-00000102').workOrders.map((w) => w.department)).toEqual([
    'CDOT - Department of Transportation',
  ]);

  send(now);
  expect(bridge.violationsOf('SR24-00000102')).toEqual([]);
  const t = bridge.ticket('SR24-00000102');
  expect(t.workOrders.map((w) => w.department)).toEqual(['Streets and Sanitation']);

  // Either export imported again: the events the processor has applied, nothing changes.
  for (const again of [now, history]) {
    const decisions = send(again);
    expect(decisions.map((d) => d.stateChanged)).toEqual(again.map(() => false));
  }
  expect(bridge.ticket('SR24-00000102')).toEqual(t);
  expect(bridge.violationsOf('SR24-00000102')).toEqual([]);
});
