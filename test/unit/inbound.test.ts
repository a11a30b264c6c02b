import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/domain/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { toInbound } from '../../src/processor/index.ts';
import { crm, dept } from '../support/domain.ts';

const event = (e: InboundEvent) => e.event as unknown as Record<string, unknown>;
const opened = event(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
const link = {
  envelope: opened['envelope'],
  ticketId: 'T1',
  fromTicketId: 'T0',
  kind: 'PARENT_STATUS',
  linkType: 'DUPLICATE',
  parentState: null,
  parentNote: null,
  parentExpectedAt: null,
  parentSettled: false,
  reason: null,
};
const receipt = {
  envelope: opened['envelope'],
  ticketId: 'T1',
  connector: 'crm-rest',
  topic: 'status',
  version: 1,
  commandId: null,
  outcome: 'DELIVERED',
};

function refusal(run: () => unknown): CloseloopError {
  try {
    run();
  } catch (err) {
    if (err instanceof CloseloopError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('inputs the domain dispatches on', () => {
  it('takes every value of the shipped vocabularies, and null where the schema allows it', () => {
    expect(toInbound('crmEvents', 'T1', opened).type).toBe('crm');
    expect(toInbound('links', 'T1', link).type).toBe('link');
    expect(toInbound('links', 'T1', { ...link, parentState: 'REOPENED' }).type).toBe('link');
    expect(toInbound('deliveries', 'T1', receipt).type).toBe('receipt');
  });

  it.each([
    ['crmEvents', opened, 'kind', 'REOPENED'],
    ['links', link, 'kind', 'PARENT_MOVED'],
    ['links', link, 'linkType', 'RELATED'],
    ['links', link, 'parentState', 'ARCHIVED'],
    ['deliveries', receipt, 'outcome', 'DEFERRED'],
  ] as const)(
    '%s: a %s of %s refuses the record as invalid data, naming the field and value',
    (input, value, field, said) => {
      const err = refusal(() => toInbound(input, 'T1', { ...value, [field]: said }));
      expect(err.code).toBe('CL_RECORD_INVALID');
      expect(err.retriable).toBe(false);
      expect(err.message).toContain(`${field} "${said}" is not one this closeloop knows`);
    },
  );

  it("names a key that is not its ticket id, and the ticket id, cut at an identifier's length and quoted", () => {
    const long = `T1\n${'x'.repeat(100_000)}`;
    const err = refusal(() => toInbound('crmEvents', 'T2', { ...opened, ticketId: long }));
    expect(err.code).toBe('CL_RECORD_INVALID');
    expect(err.message).toMatch(/^record key "T2" is not its ticketId "T1\\nx+"… \(100003 characters\)$/);
    expect(err.message.length).toBeLessThan(400);
    expect(refusal(() => toInbound('crmEvents', null, opened)).message).toBe(
      'record key null is not its ticketId "T1"',
    );
  });

  it('refuses a missing value where the schema has no null', () => {
    const { kind: _, ...kindless } = opened;
    expect(refusal(() => toInbound('crmEvents', 'T1', kindless)).message).toContain('kind undefined is not one');
    expect(refusal(() => toInbound('links', 'T1', { ...link, linkType: null })).message).toContain('linkType null');
  });
});

describe('identifiers of inputs written outside the processor', () => {
  const long = 'x'.repeat(257);
  it.each([
    ['ticketId', (v: Record<string, unknown>) => ({ ...v, ticketId: long })],
    [
      'envelope.eventId',
      (v: Record<string, unknown>) => ({ ...v, envelope: { ...(v['envelope'] as object), eventId: long } }),
    ],
    ['serviceCode', (v: Record<string, unknown>) => ({ ...v, serviceCode: long })],
  ])('refuses a %s longer than 256 characters', (field, make) => {
    const value: Record<string, unknown> = make(opened);
    const key = String(value['ticketId']);
    const err = refusal(() => toInbound('crmEvents', key, value));
    expect(err.code).toBe('CL_RECORD_INVALID');
    expect(err.message).toBe(`${field} is 257 characters long; an identifier may have at most 256`);
  });

  // Public lookups accept exactly the ticket ids taken here, so every ticket can be looked up.
  it.each([
    ['a line break', 'CS\n4'],
    ['a NUL', 'CS\u00004'],
    ['a C1 control', 'CS\u00854'],
  ])('refuses a ticketId holding %s, and takes any other text', (_case, ticketId) => {
    const err = refusal(() => toInbound('crmEvents', ticketId, { ...opened, ticketId }));
    expect([err.code, err.message]).toEqual(['CL_RECORD_INVALID', 'ticketId holds a control character']);
    const text = `CS 4/#%+?Ü工${'x'.repeat(245)}`;
    expect(text).toHaveLength(256);
    expect(toInbound('crmEvents', text, { ...opened, ticketId: text }).type).toBe('crm');
  });

  // A URL path takes "." and ".." for "this" and "the parent": a status for ticket ".." went to
  // the CRM's /api/v1/status. "..." is no such segment, and is an id like any other.
  it.each(['.', '..'])('refuses the ticketId %j, a dot segment no URL path can carry', (ticketId) => {
    const err = refusal(() => toInbound('crmEvents', ticketId, { ...opened, ticketId }));
    expect([err.code, err.message]).toEqual([
      'CL_RECORD_INVALID',
      'ticketId is a dot segment, which no URL path can carry as an id',
    ]);
    expect(toInbound('crmEvents', '...', { ...opened, ticketId: '...' }).type).toBe('crm');
  });

  it("takes one of 256, and holds the bridge's own links to no such length", () => {
    expect(toInbound('crmEvents', 'T1', { ...opened, serviceCode: 'x'.repeat(256) }).type).toBe('crm');
    const chained = { ...link, envelope: { ...(link.envelope as object), eventId: long } };
    expect(toInbound('links', 'T1', chained).type).toBe('link');
  });
});

describe('a value of a shape the checks did not foresee', () => {
  it('is the record’s CL_RECORD_INVALID, never a TypeError that would fail the batch on every fetch', () => {
    const worked = event(dept('T1', 'T1#1', 'maximo', 'APPR', 2, { department: 'transportation' }));
    const err = refusal(() => toInbound('deptEvents', 'T1', { ...worked, workOrderId: Buffer.from('T1#1') }));
    expect([err.code, err.message]).toEqual([
      'CL_RECORD_INVALID',
      "the record's values are not what a deptEvents record holds",
    ]);
    expect(err.cause).toBeInstanceOf(TypeError);
    const command = { ...opened, by: 7, reason: 'merged by hand', kind: 'RESET_ORDER' };
    expect(refusal(() => toInbound('operatorCommands', 'T1', command)).code).toBe('CL_RECORD_INVALID');
  });
});
