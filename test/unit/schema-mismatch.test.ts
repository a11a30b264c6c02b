import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { CloseloopError } from '../../src/errors/index.ts';
import { writerMismatch } from '../../src/messaging/index.ts';
import { WriterCheck } from '../../src/messaging/writer-check.ts';
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

describe('a writer of the right name must be one the registered reader can read', () => {
  type Schema = { name: string; fields: { name: string; type: unknown; default?: unknown }[] };
  const schemaOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Schema;
  const shipped = () => schemaOf(`schemas/${CANONICAL.crmEvents}.avsc`);
  const check = () => {
    const c = new WriterCheck();
    c.addReader(shipped());
    return c;
  };
  const field = (s: Schema, name: string) => {
    const f = s.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name}`);
    return f;
  };

  it('accepts the shipped schema, each earlier version, and a newer one with an enum symbol more', () => {
    const c = check();
    expect(c.verdict(avro.Type.forSchema(shipped() as avro.Schema), RECORD_NAMES.crmEvents, 1)).toBeNull();
    for (const [id, v] of ['001', '002', '003'].entries()) {
      const old = schemaOf(`schemas/history/${CANONICAL.crmEvents}/${v}.avsc`);
      expect(c.verdict(avro.Type.forSchema(old as avro.Schema), RECORD_NAMES.crmEvents, 2 + id)).toBeNull();
    }
    const newer = shipped();
    (field(newer, 'kind').type as { symbols: string[] }).symbols.push('REOPENED');
    expect(c.verdict(avro.Type.forSchema(newer as avro.Schema), RECORD_NAMES.crmEvents, 9)).toBeNull();
  });

  it('refuses a field of another type, or one the reader needs without a default, as a data error', () => {
    const c = check();
    const retyped = shipped();
    field(retyped, 'ticketId').type = 'long';
    const err = c.verdict(avro.Type.forSchema(retyped as avro.Schema), RECORD_NAMES.crmEvents, 11);
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.retriable).toBe(false);
    expect(err?.message).toContain(
      'record with schema id 11 is a io.closeloop.v1.CrmTicketEvent this closeloop cannot read',
    );
    const lacking = shipped();
    lacking.fields = lacking.fields.filter((f) => f.name !== 'ticketId');
    expect(c.verdict(avro.Type.forSchema(lacking as avro.Schema), RECORD_NAMES.crmEvents, 12)?.code).toBe(
      'CL_SCHEMA_MISMATCH',
    );
  });

  /*
   * A team that generates classes from its copy of the schema in its own package writes the
   * nested named types in its namespace. Avro (Java's SchemaCompatibility and resolving decoder,
   * so the registry's compatibility check too) matches a named type by its unqualified name.
   */
  const foreignNamespace = (s: Schema, namespace: string) => {
    const walk = (t: unknown): void => {
      if (Array.isArray(t)) return t.forEach(walk);
      if (!t || typeof t !== 'object') return;
      const named = t as { type?: unknown; namespace?: string; fields?: { type: unknown }[] };
      if (named.type === 'record' || named.type === 'enum' || named.type === 'fixed') named.namespace = namespace;
      named.fields?.forEach((f) => walk(f.type));
    };
    s.fields.forEach((f) => walk(f.type));
    return s;
  };

  it('accepts a writer whose nested records and enums are in another namespace, as Avro does', () => {
    const c = check();
    const writer = avro.Type.forSchema(foreignNamespace(shipped(), 'gov.city.crm.avro') as avro.Schema);
    expect(c.verdict(writer, RECORD_NAMES.crmEvents, 13)).toBeNull();
    // Its records, nested records in a union and enums included, are what the reader can hold.
    const value = writer.fromBuffer(
      writer.toBuffer({
        envelope: { eventId: 'e-1', jurisdiction: 'j', source: 's', occurredAt: 1, origin: 'x' },
        ticketId: 'T-1',
        kind: 'CANCELLED',
        closureReason: 'CANCELLED_BY_REQUESTOR',
        location: { district: 'D4' },
      }),
    ) as unknown;
    expect(c.conform(value, writer, RECORD_NAMES.crmEvents, 13)).toMatchObject({
      envelope: { eventId: 'e-1', sequence: null },
      kind: 'CANCELLED',
      closureReason: 'CANCELLED_BY_REQUESTOR',
      location: { address: null, district: 'D4' },
    });
  });

  it('still resolves a nested type of another namespace field by field, and refuses it when it differs', () => {
    const c = check();
    const writer = foreignNamespace(shipped(), 'gov.city.crm.avro');
    // The location in a union: a field the reader lacks is left out, one it defaults is given.
    const location = (field(writer, 'location').type as [string, Schema])[1];
    location.fields = [...location.fields.filter((f) => f.name !== 'address'), { name: 'ward', type: 'int' }];
    const writerType = avro.Type.forSchema(writer as avro.Schema);
    expect(c.verdict(writerType, RECORD_NAMES.crmEvents, 14)).toBeNull();
    const read = writerType.fromBuffer(
      writerType.toBuffer({
        envelope: { eventId: 'e-1', jurisdiction: 'j', source: 's', occurredAt: 1, origin: 'x' },
        ticketId: 'T-1',
        kind: 'OPENED',
        location: { district: 'D4', ward: 7 },
      }),
    ) as unknown;
    expect((c.conform(read, writerType, RECORD_NAMES.crmEvents, 14) as { location: unknown }).location).toEqual({
      address: null,
      latitude: null,
      longitude: null,
      district: 'D4',
    });
    // The envelope's name matches, its eventId is a number: no reader can take it.
    const retyped = foreignNamespace(shipped(), 'gov.city.crm.avro');
    field(field(retyped, 'envelope').type as Schema, 'eventId').type = 'long';
    const err = c.verdict(avro.Type.forSchema(retyped as avro.Schema), RECORD_NAMES.crmEvents, 15);
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.retriable).toBe(false);
    expect(err?.message).toContain(
      'record with schema id 15 is a io.closeloop.v1.CrmTicketEvent this closeloop cannot read',
    );
    // A nested record of another name is another type, whatever its namespace (Avro refuses it too).
    const renamed = shipped();
    (field(renamed, 'envelope').type as { name: string }).name = 'Header';
    expect(c.verdict(avro.Type.forSchema(renamed as avro.Schema), RECORD_NAMES.crmEvents, 16)?.code).toBe(
      'CL_SCHEMA_MISMATCH',
    );
  });

  it("refuses the topic record itself in another namespace: its full name is the topic's contract", () => {
    const c = check();
    const elsewhere = { ...foreignNamespace(shipped(), 'io.closeloop.v1'), namespace: 'gov.city.crm.avro' };
    const err = c.verdict(avro.Type.forSchema(elsewhere as avro.Schema), RECORD_NAMES.crmEvents, 17);
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.message).toBe(
      'record with schema id 17 was written as gov.city.crm.avro.CrmTicketEvent, not io.closeloop.v1.CrmTicketEvent',
    );
  });

  it('checks nothing more for a record it has no reader for, and still the name', () => {
    const c = new WriterCheck();
    const retyped = shipped();
    field(retyped, 'ticketId').type = 'long';
    expect(c.verdict(avro.Type.forSchema(retyped as avro.Schema), RECORD_NAMES.crmEvents, 1)).toBeNull();
    expect(c.verdict(typeOf(CANONICAL.deptEvents), RECORD_NAMES.crmEvents, 2)?.code).toBe('CL_SCHEMA_MISMATCH');
  });
});

describe('a record read with a writer that differs from the reader must hold what the reader can', () => {
  type Schema = { name: string; fields: { name: string; type: unknown }[] };
  const shipped = () => JSON.parse(readFileSync(`schemas/${CANONICAL.crmEvents}.avsc`, 'utf8')) as Schema;
  const setType = (s: Schema, name: string, type: unknown) => {
    const f = s.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name}`);
    f.type = type;
    return s;
  };
  const event = (over: Record<string, unknown> = {}) => ({
    envelope: {
      eventId: 'e-1',
      jurisdiction: 'j',
      source: 's',
      sequence: null,
      occurredAt: 1,
      origin: 'x',
      correlationId: null,
    },
    ticketId: 'T-1',
    kind: 'OPENED',
    ...over,
  });
  const roundTrip = (s: Schema, value: unknown) => {
    const t = avro.Type.forSchema(s as avro.Schema);
    return { writer: t, value: t.fromBuffer(t.toBuffer(value)) as unknown };
  };
  const checked = (s: Schema, value: unknown, id: number) => {
    const c = new WriterCheck();
    c.addReader(shipped());
    const { writer, value: read } = roundTrip(s, value);
    expect(c.verdict(writer, RECORD_NAMES.crmEvents, id)).toBeNull();
    try {
      c.conform(read, writer, RECORD_NAMES.crmEvents, id);
      return null;
    } catch (err) {
      return err as CloseloopError;
    }
  };

  it('refuses a string written as bytes, which Avro promotes but the writer reads as a Buffer, naming the field and no value', () => {
    const err = checked(
      setType(shipped(), 'ticketId', 'bytes'),
      event({ ticketId: Buffer.from('T-1 at 555-0100') }),
      21,
    );
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.retriable).toBe(false);
    expect(err?.message).toBe(
      'record with schema id 21 holds what a io.closeloop.v1.CrmTicketEvent cannot: ticketId is bytes, not string',
    );
  });

  it('takes an earlier version without the fields added since, and a symbol only a newer writer has', () => {
    const old = JSON.parse(readFileSync(`schemas/history/${CANONICAL.crmEvents}/001.avsc`, 'utf8')) as Schema;
    const oldFields = new Set(old.fields.map((f) => f.name));
    const full = event({ serviceCode: 'POTHOLE' });
    const value = Object.fromEntries(Object.entries(full).filter(([k]) => oldFields.has(k)));
    expect(checked(old, value, 23)).toBeNull();
    const newer = shipped();
    const kind = newer.fields.find((f) => f.name === 'kind')?.type as { symbols: string[] };
    kind.symbols.push('REOPENED');
    expect(checked(newer, event({ kind: 'REOPENED' }), 24)).toBeNull();
  });

  it("checks no record written with the reader's own schema", () => {
    const c = new WriterCheck();
    c.addReader(shipped());
    expect(c.verdict(avro.Type.forSchema(shipped() as avro.Schema), RECORD_NAMES.crmEvents, 25)).toBeNull();
    // Never compared field by field: what it reads with its own schema is what the schema holds.
    const own = avro.Type.forSchema(shipped() as avro.Schema);
    const value = { ticketId: Buffer.from('x') };
    expect(c.conform(value, own, RECORD_NAMES.crmEvents, 25)).toBe(value);
    expect(value).toEqual({ ticketId: Buffer.from('x') });
  });
});
