import avro from 'avsc';

/** The parts of avsc's reading cursor a map's reader uses (avsc's own, undocumented in its types). */
interface Tap {
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface ValuesType {
  _read(tap: Tap): unknown;
}

/**
 * An Avro map read into own properties. avsc reads a map into a plain object by assignment, so a
 * key "__proto__" sets the object's prototype instead of a property and its value is lost. Map
 * keys here come from other systems (a work order's id is a key in the changelog's watch), so
 * any string must come back as itself. Writing needs no change: avsc writes Object.keys.
 */
class OwnKeysMapType extends avro.types.MapType {
  // avsc calls _read on the type, and on a resolver it gives the type's _read (MapType._update).
  _read(this: { valuesType: ValuesType }, tap: Tap): Record<string, unknown> {
    const values = this.valuesType;
    const out: Record<string, unknown> = {};
    for (let n = blockLength(tap); n > 0; n = blockLength(tap)) {
      for (; n > 0; n -= 1) {
        const key = tap.readString();
        Object.defineProperty(out, key, {
          value: values._read(tap),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return out;
  }
}

// A block's item count; a negative count is followed by the block's size in bytes (Avro spec).
function blockLength(tap: Tap): number {
  const n = tap.readLong();
  if (n >= 0) return n;
  tap.skipLong();
  return -n;
}

/** avsc's typeHook: every map in a schema is read with own keys. */
export function ownKeysMaps(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (typeof schema === 'object' && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'map') {
    return new OwnKeysMapType(schema, opts);
  }
  return undefined;
}
