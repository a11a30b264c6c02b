import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { writerMismatch } from '../../src/messaging/index.ts';
import { CANONICAL, RECORD_NAMES } from '../../src/topics/index.ts';

const typeOf = (topic: string) =>
  avro.Type.forSchema(JSON.parse(readFileSync(`schemas/${topic}.avsc`, 'utf8')) as avro.Schema);

describe('the writer schema must be the topic record', () => {
  it("accepts a record written with the topic's own schema", () => {
    expect(writerMismatch(typeOf(CANONICAL.crmEvents), RECORD_NAMES.crmEvents, 7)).toBeNull();
  });

  it("refuses a record of another topic's schema, naming both, as a data error", () => {
    const err = writerMismatch(typeOf(CANONICAL.deptEvents), RECORD_NAMES.crmEvents, 7);
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.stage).toBe('decode');
    expect(err?.retriable).toBe(false);
    expect(err?.message).toBe(
      'record with schema id 7 was written as io.closeloop.v1.WorkOrderEvent, not io.closeloop.v1.CrmTicketEvent',
    );
  });

  it('refuses a schema that is not a named record', () => {
    const err = writerMismatch(avro.Type.forSchema('string'), RECORD_NAMES.status, 3);
    expect(err?.message).toContain('written as an unnamed schema, not io.closeloop.v1.TicketStatusChange');
  });
});
