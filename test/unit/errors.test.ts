import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CloseloopError, ERROR_CATALOG, isCloseloopError, type ErrorCode } from '../../src/errors/index.ts';
import { translateKafkaError } from '../../src/messaging/kafkajs-errors.ts';

describe('error catalog', () => {
  it('gives every code a stage, a retriable flag and a summary', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^CL_[A-Z_]+$/);
      expect(typeof spec.retriable).toBe('boolean');
      expect(spec.summary.length).toBeGreaterThan(10);
    }
  });

  it('takes stage and retriable from the catalog, not from the throw site', () => {
    const err = new CloseloopError('CL_SCHEMA_UNKNOWN_ID', 'schema 42 unknown', { details: { schemaId: 42 } });
    expect(err).toMatchObject({ code: 'CL_SCHEMA_UNKNOWN_ID', stage: 'decode', retriable: false });
    expect(err.details).toEqual({ schemaId: 42 });
    expect(isCloseloopError(err, 'CL_SCHEMA_UNKNOWN_ID')).toBe(true);
    expect(isCloseloopError(err, 'CL_DECODE_MALFORMED' satisfies ErrorCode)).toBe(false);
  });
});

describe('kafkajs errors through the adapter', () => {
  it('marks connection failures retriable', () => {
    const err = translateKafkaError(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), 'producing');
    expect(err).toMatchObject({ code: 'CL_KAFKA_TRANSIENT', retriable: true });
    expect(err.message).toContain('producing');
  });

  it('keeps "retries exhausted" retriable when every attempt failed for a transient reason', () => {
    const cause = new KafkaJSConnectionError('broker down');
    const err = translateKafkaError(new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 100 }), 'x');
    expect(err.code).toBe('CL_KAFKA_TRANSIENT');
  });

  it('marks non-retriable kafkajs errors fatal', () => {
    const err = translateKafkaError(new KafkaJSNonRetriableError('Invalid transaction state'), 'committing');
    expect(err).toMatchObject({ code: 'CL_KAFKA_FATAL', retriable: false });
  });

  it('passes a CloseloopError through unchanged', () => {
    const original = new CloseloopError('CL_CONFIG_INVALID', 'bad');
    expect(translateKafkaError(original, 'x')).toBe(original);
  });
});
