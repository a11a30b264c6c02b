import avro from 'avsc';

/**
 * A logical type of Avro's that counts time in a number, kept by name on its avsc type and
 * nothing more: values are read and written as they are. avsc drops a logical type it is not
 * given, so `{"type": "long", "logicalType": "timestamp-micros"}` would read as a plain long,
 * indistinguishable from the reader's timestamp-millis (avsc resolves long against long whatever
 * their units), and a writer's microseconds would be taken for milliseconds: a date in the year
 * 58896. With the name kept, WriterCheck compares a writer's unit with the reader's field by
 * field (writer-adapt.ts) and converts or refuses there, where the reader is known.
 */
class NamedTime extends avro.types.LogicalType {
  protected override _fromValue(value: unknown): unknown {
    return value;
  }

  protected override _toValue(value: unknown): unknown {
    return value;
  }

  /** As a reader: whatever its underlying type reads (a long reads an int), unit aside. */
  protected override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    const writer = avro.Type.isType(type, 'logical') ? (type as avro.types.LogicalType).underlyingType : type;
    try {
      this.underlyingType.createResolver(writer);
    } catch {
      return undefined;
    }
    return (value) => value;
  }
}

type LogicalTypes = NonNullable<avro.ForSchemaOptions['logicalTypes']>;

const TIME_TYPES = [
  'date',
  'time-millis',
  'time-micros',
  'timestamp-millis',
  'timestamp-micros',
  'timestamp-nanos',
  'local-timestamp-millis',
  'local-timestamp-micros',
  'local-timestamp-nanos',
] as const;

const named = (names: readonly string[]): LogicalTypes => Object.fromEntries(names.map((n) => [n, NamedTime]));

/**
 * For the shipped schemas as readers: every time type named, timestamp-millis (their unit) too.
 */
export const READER_TIME_TYPES: LogicalTypes = named(TIME_TYPES);

/**
 * For the types of writer schemas from the registry: each time type named but timestamp-millis.
 * closeloop's own records use only that one, and are read and written as plain longs, without a
 * logical type's call per field; to a reader of timestamp-millis, a writer's timestamp-millis and
 * a plain long are the same.
 */
export const WRITER_TIME_TYPES: LogicalTypes = named(TIME_TYPES.filter((n) => n !== 'timestamp-millis'));

/** The logical type a type carries by name, if any. */
export function logicalTypeOf(type: avro.Type): string | undefined {
  return avro.Type.isType(type, 'logical') ? type.typeName.slice('logical:'.length) : undefined;
}
