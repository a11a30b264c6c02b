import { describe, expect, it } from 'vitest';
import { PublicFigures } from '../../../src/public/figures.ts';
import { RequestFacts } from '../../../src/status-api/index.ts';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import { Bridge, crm, slaTestPolicy } from '../../support/domain.ts';
import { at, sendAt } from '../../support/sla.ts';

/*
 * A CRM request time the processor does not believe is quarantined (IMPLAUSIBLE_TIME) and
 * replaced in the status. The public figures must place the request where the status does, and
 * judge a request without a status (an information request) by the same rule.
 */
const ZONE = 'America/New_York';
const SENT = '2026-10-14T10:00';

async function city() {
  const bridge = new Bridge(await slaTestPolicy());
  const facts = new RequestFacts();
  const send = (id: string, fields: Partial<CrmTicketEvent>, origin?: string) => {
    const input = crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE', channel: 'WEB', ...fields }, origin ? { origin } : {});
    const event = { ...input.event, envelope: { ...input.event.envelope, occurredAt: at(SENT) } } as CrmTicketEvent;
    facts.apply(event);
    return { input, event };
  };
  const open = (id: string, requestedAt: number) => {
    const { input } = send(id, { requestedAt, requestKind: 'SERVICE' });
    sendAt(bridge, input, SENT);
  };
  return { bridge, facts, open, send };
}

describe('the request time the public figures count by', () => {
  it('is the one the status publishes, not a CRM time the processor replaced', async () => {
    const { bridge, facts, open } = await city();
    open('OK', at('2026-10-14T09:00'));
    open('SECONDS', Math.floor(at('2026-10-14T09:00') / 1000));
    open('AHEAD', at('2026-11-20T09:00'));
    open('YEAR', at('2024-10-14T09:00'));
    for (const id of ['SECONDS', 'AHEAD', 'YEAR']) {
      expect(bridge.violationsOf(id).map((v) => v.kind)).toEqual(['IMPLAUSIBLE_TIME']);
    }
    const figures = new PublicFigures(facts, ZONE, () => at('2026-12-05T12:00'));
    for (const s of bridge.statuses) figures.applyStatus(s);
    expect(figures.month('2026-10').received).toBe(4);
    expect(figures.month('2026-11').received).toBe(0);
    expect(figures.monthsShown()).toEqual({ first: '2026-10', last: '2026-12' });
  });

  it('is judged by the processor rule for a request with no status, except for imported history', async () => {
    const { facts, send } = await city();
    send('INFO-OK', { requestKind: 'INFORMATION', requestedAt: at('2026-10-14T09:00') });
    send('INFO-AHEAD', { requestKind: 'INFORMATION', requestedAt: at('2026-11-20T09:00') });
    send('INFO-1970', { requestKind: 'INFORMATION', requestedAt: Math.floor(at('2026-10-14T09:00') / 1000) });
    send('INFO-YEAR', { requestKind: 'INFORMATION', requestedAt: at('2024-10-14T09:00') });
    // An export's times are what the city recorded: believed however old, as the processor does.
    send('HISTORY', { requestKind: 'INFORMATION', requestedAt: at('2025-03-02T09:00') }, 'import');
    const figures = new PublicFigures(facts, ZONE, () => at('2026-12-05T12:00'));
    expect(figures.month('2026-10')).toMatchObject({ received: 4, information: 4 });
    expect(figures.month('2026-11').received).toBe(0);
    expect(figures.month('2025-03').received).toBe(1);
    expect(figures.monthsShown()).toEqual({ first: '2025-03', last: '2026-12' });
  });
});
