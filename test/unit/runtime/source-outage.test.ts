import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import { publishOutage } from '../../../src/runtime/source-outage.ts';

describe('the pause a failed publish raises on a source runner', () => {
  // encodeBatch dead-letters a change that does not fit its schema; what is left of the registry's
  // codes is the registry's state: a subject with no schema, a refused lookup, an id a replica
  // does not have yet. Each points the operator at the registry, not at Kafka.
  it.each(['CL_SCHEMA_NOT_REGISTERED', 'CL_SCHEMA_REGISTRY_REJECTED', 'CL_SCHEMA_UNKNOWN_ID'] as const)(
    '%s pauses it on registry',
    (code) => {
      expect(publishOutage(new CloseloopError(code, 'looking up a schema'))).toBe('registry');
    },
  );

  it('a failed dead-letter write pauses it on dead-letter, anything else of Kafka on kafka', () => {
    expect(publishOutage(new CloseloopError('CL_DEAD_LETTER_FAILED', 'writing a dead letter'))).toBe('dead-letter');
    expect(publishOutage(new CloseloopError('CL_KAFKA_TRANSIENT', 'sending'))).toBe('kafka');
  });
});
