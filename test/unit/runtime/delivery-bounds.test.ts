import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { DeliveryBounds } from '../../../src/runtime/delivery-bounds.ts';

const refused = (status: number) =>
  new CloseloopError('CL_CONNECTOR_REJECTED', `HTTP ${status}`, { details: { httpStatus: status } });
const outage = new CloseloopError('CL_CONNECTOR_RETRIABLE', 'HTTP 503', { details: { httpStatus: 503 } });

describe('DeliveryBounds: the breaker beside the delivery-cycle bound', () => {
  it('gives a record up after maxDeliveryCycles outages, and a refusal to the breaker alone', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 3 });
    expect(b.judge(outage, 0, 'T-1')).toEqual({ act: 'pause', reason: 'unavailable' });
    expect(b.judge(outage, 2, 'T-1')).toEqual({ act: 'pause', reason: 'unavailable' });
    const given = b.judge(outage, 3, 'T-1');
    expect(given).toMatchObject({ act: 'dead-letter', alert: true, error: { code: 'CL_DELIVERY_EXHAUSTED' } });
    // Refusals count however many cycles their record took: the cycles bound outages only.
    expect(b.judge(refused(404), 5, 'T-2')).toEqual({ act: 'dead-letter', error: refused(404), alert: false });
  });

  it('neither counts an exhausted dead letter toward the breaker nor lets it end a run of one status', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 1 });
    expect(b.judge(refused(404), 0, 'T-1').act).toBe('dead-letter');
    expect(b.judge(outage, 1, 'T-2')).toMatchObject({ act: 'dead-letter', alert: true });
    expect(b.judge(outage, 1, 'T-3')).toMatchObject({ act: 'dead-letter', alert: true });
    expect(b.breaker.tripped).toBeNull();
    expect(b.judge(refused(404), 0, 'T-4').act).toBe('dead-letter');
    expect(b.judge(refused(404), 0, 'T-5')).toEqual({ act: 'hold' });
    expect(b.breaker.tripped).toBe(404);
  });

  it('dead-letters a record refused as out of order at once, with an alert, and never to the breaker', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 3 });
    const gap = new CloseloopError('CL_CONNECTOR_OUT_OF_ORDER', 'v3 refused: the system holds v1', {
      details: { httpStatus: 409 },
    });
    expect(b.judge(refused(404), 0, 'T-1').act).toBe('dead-letter');
    // However many tickets meet it in a row, each is its own ticket's trouble: none is held.
    for (let i = 0; i < 4; i++)
      expect(b.judge(gap, 0, `G-${i}`)).toEqual({ act: 'dead-letter', error: gap, alert: true });
    expect(b.breaker.tripped).toBeNull();
    // Nor did they end the run of 404s they came between: the third is held.
    expect(b.judge(refused(404), 0, 'T-2').act).toBe('dead-letter');
    expect(b.judge(refused(404), 0, 'T-3')).toEqual({ act: 'hold' });
  });

  // A ticket purged from the CRM has each of its statuses refused 404: a crew's burst of updates,
  // or a `dlq replay --ticket` of it, used to trip the breaker and hold every other ticket.
  it('counts tickets, not records: one ticket refused again and again neither trips nor ends a run', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 3 });
    const dead = { act: 'dead-letter', error: refused(404), alert: false };
    for (let i = 0; i < 6; i++) expect(b.judge(refused(404), 0, 'PURGED')).toEqual(dead);
    expect(b.breaker.tripped).toBeNull();
    expect(b.judge(refused(404), 0, 'T-1')).toEqual(dead);
    // Refused again, with another status too, it is still that ticket's trouble: the run goes on.
    expect(b.judge(refused(404), 0, 'PURGED')).toEqual(dead);
    expect(b.judge(refused(410), 0, 'T-1')).toEqual({ act: 'dead-letter', error: refused(410), alert: false });
    expect(b.breaker.tripped).toBeNull();
    // A third ticket refused alike is past the limit of two: the system refuses everything.
    expect(b.judge(refused(404), 0, 'T-2')).toEqual({ act: 'hold' });
    expect(b.breaker.tripped).toBe(404);
    expect(b.breaker.describe('crm-rest')).toMatch(/^records of 2 tickets in a row dead-lettered with HTTP 404;/);
  });

  it('counts each record without a key as a ticket of its own', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 3 });
    expect(b.judge(refused(404), 0, null).act).toBe('dead-letter');
    expect(b.judge(refused(404), 0, null).act).toBe('dead-letter');
    expect(b.judge(refused(404), 0, null)).toEqual({ act: 'hold' });
  });

  it('starts the run of tickets again after a delivery', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 1, maxDeliveryCycles: 3 });
    expect(b.judge(refused(404), 0, 'T-1').act).toBe('dead-letter');
    b.breaker.delivered();
    expect(b.judge(refused(404), 0, 'T-2').act).toBe('dead-letter');
    // T-1 is no longer in the run: refused again, it is the second ticket of it.
    expect(b.judge(refused(404), 0, 'T-1')).toEqual({ act: 'hold' });
  });

  it('waits out a refusal met while the system is down as an outage for its cycles, then judges it a refusal', () => {
    const b = new DeliveryBounds({ breakAfterSameStatus: 2, maxDeliveryCycles: 2 });
    for (const ticket of ['T-1', 'T-2', 'T-3'])
      expect(b.judge(refused(404), 0, ticket, true)).toEqual({ act: 'pause', reason: 'unavailable' });
    expect(b.judge(refused(404), 1, 'T-1', true)).toEqual({ act: 'pause', reason: 'unavailable' });
    expect(b.breaker.tripped).toBeNull();
    // A probe down for good while writes are answered: past its cycles the refusal is the record's.
    expect(b.judge(refused(404), 2, 'T-1', true)).toEqual({ act: 'dead-letter', error: refused(404), alert: false });
    expect(b.judge(refused(404), 2, 'T-2', true)).toMatchObject({ act: 'dead-letter', alert: false });
    expect(b.judge(refused(404), 2, 'T-3', true)).toEqual({ act: 'hold' });
  });

  it('asks the health probe only about a refusal, and names what it says when it fails', async () => {
    const b = new DeliveryBounds({});
    const signal = new AbortController().signal;
    let probes = 0;
    const down = async () => {
      probes += 1;
      return { status: 'down' as const, detail: 'HTTP 404: Context root /posse not found' };
    };
    expect(await b.refusedWhileDown(outage, down, signal)).toBeNull();
    expect(probes).toBe(0);
    expect(await b.refusedWhileDown(refused(404), down, signal)).toBe(
      'refused a record (HTTP 404) while its health probe says down',
    );
    expect(await b.refusedWhileDown(refused(404), async () => ({ status: 'up' as const }), signal)).toBeNull();
    expect(await b.refusedWhileDown(refused(404), async () => ({ status: 'degraded' as const }), signal)).toBeNull();
    const stopped = new AbortController();
    stopped.abort();
    await expect(b.refusedWhileDown(refused(404), () => new Promise(() => {}), stopped.signal)).rejects.toMatchObject({
      code: 'CL_KAFKA_TRANSIENT',
    });
  });
});
