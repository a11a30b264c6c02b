import type avro from 'avsc';

/**
 * One avsc type per schema in a thread, whichever serde, subject or id brought it. A type's
 * reader and writer are functions generated for it, and its records are made by a constructor of
 * its own, so two types of one schema give records of two shapes: code that has met both (the
 * lifecycle, the event digest, the identifier check) runs polymorphic, and V8 drops and
 * recompiles it each time another appears. A processor restarted in the same thread (after a
 * rebalance, in a test, in the bench) makes a serde anew, and so did that. Schemas are few;
 * past MAX_SHARED_TYPES, as a registry handing out endless new ones would make them, new ones
 * are used as they come and not kept.
 */
const sharedTypes = new Map<string, avro.Type>();
const MAX_SHARED_TYPES = 1_000;

export function sharedType(type: avro.Type): avro.Type {
  // The schema as avsc holds it, with the attributes the type hooks act on (logical types).
  const key = JSON.stringify(type.schema({ exportAttrs: true }));
  const known = sharedTypes.get(key);
  if (known) return known;
  if (sharedTypes.size < MAX_SHARED_TYPES) sharedTypes.set(key, type);
  return type;
}
