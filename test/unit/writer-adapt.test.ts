import { readdirSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { READER_TIME_TYPES, WRITER_TIME_TYPES } from '../../src/messaging/avro-logical.ts';
import { adaptation } from '../../src/messaging/writer-adapt.ts';
import { WriterCheck } from '../../src/messaging/writer-check.ts';
import { CANONICAL, RECORD_NAMES } from '../../src/topics/index.ts';

type Schema = { name: string; fields: { name: string; type: unknown; default?: unknown }[] };

const schemaOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Schema;
const shipped = (topic: keyof typeof CANONICAL) => schemaOf(`schemas/${CANONICAL[topic]}.avsc`);
const typeOf = (s: unknown) => avro.Type.forSchema(s as avro.Schema);
/** A writer schema's type as the serde makes it from the registry's answer: its time units named. */
const writerTypeOf = (s: unknown) => avro.Type.forSchema(s as avro.Schema, { logicalTypes: WRITER_TIME_TYPES });
/** The shipped schema's type as WriterCheck makes it: its own time unit named too. */
const readerTypeOf = (topic: keyof typeof CANONICAL) =>
  avro.Type.forSchema(shipped(topic) as avro.Schema, { logicalTypes: READER_TIME_TYPES });
const adaptOf = (writer: avro.Type, reader: avro.Type) => adaptation(writer, reader).adapt;
const field = (s: Schema, name: string) => {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};
const without = (s: Schema, ...names: string[]) => ({ ...s, fields: s.fields.filter((f) => !names.includes(f.name)) });
const envelopeOf = (s: Schema) => field(s, 'envelope').type as Schema;

/** A check with the shipped reader of `topic`, and the record as its writer's schema reads it. */
function reading(topic: 'crmEvents' | 'deptEvents' | 'state', writerSchema: unknown) {
  const check = new WriterCheck();
  check.addReader(shipped(topic));
  const writer = writerTypeOf(writerSchema);
  let id = 100;
  return (value: unknown) => {
    id += 1;
    const read = writer.fromBuffer(writer.toBuffer(value)) as Record<string, unknown>;
    expect(check.verdict(writer, RECORD_NAMES[topic], id)).toBeNull();
    return check.conform(read, writer, RECORD_NAMES[topic], id);
  };
}

const envelope = (extra: Record<string, unknown> = {}) => ({
  eventId: 'e-1',
  jurisdiction: 'testville',
  source: 'maximo',
  occurredAt: 1_700_000_000_000,
  origin: 'maximo',
  correlationId: null,
  ...extra,
});
const work = (extra: Record<string, unknown> = {}) => ({
  envelope: envelope({ sequence: 4 }),
  ticketId: 'T-1',
  workOrderId: 'T-1#1',
  system: 'maximo',
  department: 'transportation',
  rawStatus: 'INPRG',
  rawStatusLabel: null,
  systemClosed: false,
  expectedAt: null,
  departmentRef: null,
  ...extra,
});
const opened = (extra: Record<string, unknown> = {}) => ({
  envelope: envelope({ sequence: null, source: 'crm', origin: 'crm' }),
  ticketId: 'T-1',
  kind: 'OPENED',
  serviceCode: 'POTHOLE',
  ...extra,
});

describe('a writer that lacks fields the shipped reader defaults', () => {
  it("gives a department writer without note the reader's null", () => {
    const read = reading('deptEvents', without(shipped('deptEvents'), 'note'))(work());
    expect(read).toHaveProperty('note', null);
    expect(read).toMatchObject({ rawStatus: 'INPRG', envelope: { sequence: 4 } });
  });

  it('gives an envelope without sequence its null, and a CRM writer without description or note theirs', () => {
    const writer = without(shipped('crmEvents'), 'description', 'note', 'location');
    const e = envelopeOf(writer);
    field(writer, 'envelope').type = { ...e, fields: e.fields.filter((f) => f.name !== 'sequence') };
    const read = reading('crmEvents', writer)(opened()) as Record<string, unknown>;
    expect(read['envelope']).toHaveProperty('sequence', null);
    expect(read).toMatchObject({ description: null, note: null, location: null, serviceCode: 'POTHOLE' });
  });

  it("fills a record inside a union, and leaves the union's null alone", () => {
    const writer = shipped('crmEvents');
    const location = (field(writer, 'location').type as [string, Schema])[1];
    location.fields = location.fields.filter((f) => f.name !== 'district');
    const read = reading('crmEvents', writer);
    expect(read(opened({ location: { address: '1 Main St', latitude: 1, longitude: 2 } }))).toMatchObject({
      location: { address: '1 Main St', district: null },
    });
    expect(read(opened({ location: null }))).toHaveProperty('location', null);
  });

  it('keeps a kind only a newer writer has for the domain to refuse, and still fills what it lacks', () => {
    const writer = without(shipped('crmEvents'), 'note');
    (field(writer, 'kind').type as { symbols: string[] }).symbols.push('REOPENED');
    expect(reading('crmEvents', writer)(opened({ kind: 'REOPENED' }))).toMatchObject({ kind: 'REOPENED', note: null });
  });

  // The oracle: what Avro resolution into the shipped schema makes of the same bytes.
  it.each([
    ...readdirSync(`schemas/history/${CANONICAL.state}`).map((v) => ['state', v] as const),
    ...readdirSync(`schemas/history/${CANONICAL.crmEvents}`).map((v) => ['crmEvents', v] as const),
  ])('reads %s written with history version %s as resolution into the shipped schema does', (topic, version) => {
    const writer = typeOf(schemaOf(`schemas/history/${CANONICAL[topic]}/${version}`));
    const reader = typeOf(shipped(topic));
    const read = reading(topic, writer.schema());
    for (let i = 0; i < 50; i += 1) {
      const bytes = writer.toBuffer(writer.random());
      expect(read(writer.fromBuffer(bytes))).toEqual(reader.fromBuffer(bytes, reader.createResolver(writer)));
    }
  });
});

describe('adapting costs nothing where nothing is missing', () => {
  it.each(['crmEvents', 'deptEvents', 'operatorCommands', 'deliveries', 'state', 'status'] as const)(
    'needs nothing for %s written with the shipped schema; a field more is left out, as resolution does',
    (topic) => {
      expect(adaptOf(writerTypeOf(shipped(topic)), readerTypeOf(topic))).toBeNull();
      const more = shipped(topic);
      more.fields.push({ name: 'extra', type: ['null', 'string'], default: null });
      const adapt = adaptOf(writerTypeOf(more), readerTypeOf(topic));
      const fields = Object.fromEntries(more.fields.map((f, i) => [f.name, i]));
      const read = adapt?.(fields) as Record<string, unknown>;
      expect(Object.keys(read)).toEqual(shipped(topic).fields.map((f) => f.name));
    },
  );

  it("hands a value written with the reader's own schema back untouched", () => {
    const check = new WriterCheck();
    check.addReader(shipped('deptEvents'));
    const own = typeOf(shipped('deptEvents'));
    const value = { ticketId: 'T-1' };
    expect(check.conform(value, own, RECORD_NAMES.deptEvents, 7)).toBe(value);
    expect(value).toEqual({ ticketId: 'T-1' });
  });
});

describe('adapting shapes beyond the shipped inputs', () => {
  const item = (fields: unknown[]) => ({ type: 'record', name: 'Item', fields });
  const wrap = (type: unknown) => typeOf({ type: 'record', name: 'Outer', fields: [{ name: 'x', type }] });
  const a = { name: 'a', type: 'string' };
  const b = { name: 'b', type: ['null', 'string'], default: null };
  const tags = { name: 'tags', type: { type: 'array', items: 'string' }, default: ['none'] };

  it('fills records in arrays and maps, an object default as a fresh copy each time', () => {
    const adapt = adaptOf(wrap({ type: 'array', items: item([a]) }), wrap({ type: 'array', items: item([a, tags]) }));
    const value = { x: [{ a: '1' }, { a: '2' }] };
    expect(adapt?.(value)).toEqual({
      x: [
        { a: '1', tags: ['none'] },
        { a: '2', tags: ['none'] },
      ],
    });
    const [first, second] = value.x as unknown as { tags: string[] }[];
    expect(first?.tags).not.toBe(second?.tags);
    const map = adaptOf(wrap({ type: 'map', values: item([a]) }), wrap({ type: 'map', values: item([a, b]) }));
    expect(map?.({ x: { k: { a: '1' } } })).toEqual({ x: { k: { a: '1', b: null } } });
  });

  it('fills the branch a wrapped union holds, and reads a field the reader names by an alias', () => {
    const other = { type: 'record', name: 'Other', fields: [a] };
    const adapt = adaptOf(wrap(['null', item([a]), other]), wrap(['null', item([a, b]), other]));
    expect(adapt?.({ x: { Item: { a: '1' } } })).toEqual({ x: { Item: { a: '1', b: null } } });
    expect(adapt?.({ x: { Other: { a: '1' } } })).toEqual({ x: { Other: { a: '1' } } });
    expect(adapt?.({ x: null })).toEqual({ x: null });
    const renamed = adaptOf(
      typeOf(item([{ name: 'old', type: 'string' }])),
      typeOf(item([{ name: 'now', type: 'string', aliases: ['old'] }])),
    );
    expect(renamed?.({ old: 'v' })).toEqual({ now: 'v' });
  });

  it('terminates on a record that nests itself', () => {
    const node = (fields: unknown[]) => ({
      type: 'record',
      name: 'Node',
      fields: [...fields, { name: 'next', type: ['null', 'Node'], default: null }],
    });
    const adapt = adaptOf(typeOf(node([a])), typeOf(node([a, b])));
    expect(adapt?.({ a: '1', next: { a: '2', next: null } })).toEqual({
      a: '1',
      b: null,
      next: { a: '2', b: null, next: null },
    });
  });
});

describe("a writer whose time unit differs from the reader's timestamp-millis", () => {
  const MS = Date.UTC(2026, 11, 4, 21, 22, 2, 818);
  const withExpectedAt = (type: unknown) => {
    const s = shipped('deptEvents');
    field(s, 'expectedAt').type = ['null', type];
    return s;
  };
  const verdictOf = (topic: 'crmEvents' | 'deptEvents', schema: unknown, id = 31) => {
    const check = new WriterCheck();
    check.addReader(shipped(topic));
    return check.verdict(writerTypeOf(schema), RECORD_NAMES[topic], id);
  };

  it('has microseconds converted to milliseconds, in a union and in the envelope', () => {
    const micros = { type: 'long', logicalType: 'timestamp-micros' };
    const read = reading('deptEvents', withExpectedAt(micros));
    expect(read(work({ note: null, expectedAt: MS * 1000 + 999 }))).toHaveProperty('expectedAt', MS);
    expect(read(work({ note: null, expectedAt: null }))).toHaveProperty('expectedAt', null);
    const crmWriter = shipped('crmEvents');
    field(envelopeOf(crmWriter), 'occurredAt').type = micros;
    const opened = reading(
      'crmEvents',
      crmWriter,
    )({ ...work(), envelope: envelope({ sequence: 1, occurredAt: MS * 1000 }), kind: 'OPENED' });
    expect(opened).toMatchObject({ envelope: { occurredAt: MS } });
  });

  it.each([
    ['local-timestamp-micros', { type: 'long', logicalType: 'local-timestamp-micros' }],
    ['local-timestamp-millis', { type: 'long', logicalType: 'local-timestamp-millis' }],
    ['timestamp-nanos', { type: 'long', logicalType: 'timestamp-nanos' }],
    ['date', { type: 'int', logicalType: 'date' }],
  ])('refuses a writer of %s for expectedAt, naming the field, as CL_SCHEMA_MISMATCH', (name, type) => {
    const err = verdictOf('deptEvents', withExpectedAt(type), 41);
    expect(err?.code).toBe('CL_SCHEMA_MISMATCH');
    expect(err?.retriable).toBe(false);
    expect(err?.message).toBe(
      `record with schema id 41 is a io.closeloop.v1.WorkOrderEvent this closeloop cannot read: ` +
        `expectedAt is written as ${name}, which is no timestamp-millis`,
    );
  });

  it('names a field in a nested record by its path', () => {
    const s = shipped('crmEvents');
    field(envelopeOf(s), 'occurredAt').type = { type: 'long', logicalType: 'local-timestamp-millis' };
    expect(verdictOf('crmEvents', s)?.message).toContain('envelope.occurredAt is written as local-timestamp-millis');
  });

  it('takes a plain long, or timestamp-millis said again, as milliseconds', () => {
    expect(verdictOf('deptEvents', withExpectedAt('long'))).toBeNull();
    const said = withExpectedAt({ type: 'long', logicalType: 'timestamp-millis' });
    expect(verdictOf('deptEvents', said)).toBeNull();
    expect(reading('deptEvents', said)(work({ note: null, expectedAt: MS }))).toHaveProperty('expectedAt', MS);
  });
});
