import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
  TimeoutError,
  UserError,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { translatePlatformaticError } from '../../src/messaging/platformatic/errors.ts';
import { retryDelay } from '../../src/messaging/platformatic/index.ts';

// A broker's answer with one protocol error code, as the client raises it.
const answered = (code: number) => new ResponseError(1, 1, { '/x': [code, null] }, {});
const retriesSpent = (...errors: Error[]) => new MultipleErrors('produce failed 3 times.', errors);

describe('@platformatic/kafka errors through the adapter', () => {
  it('reports a fenced producer as fenced, not as something to retry', () => {
    for (const code of [47 /* INVALID_PRODUCER_EPOCH */, 90 /* PRODUCER_FENCED */]) {
      expect(translatePlatformaticError(answered(code), 'committing')).toMatchObject({
        code: 'CL_KAFKA_FENCED',
        retriable: false,
      });
    }
  });

  it("reports offsets refused for the member's standing in its group as not a member", () => {
    // ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID: TxnOffsetCommit's KIP-447 checks.
    for (const code of [22, 25, 82]) {
      expect(translatePlatformaticError(answered(code), 'adding offsets')).toMatchObject({
        code: 'CL_KAFKA_NOT_MEMBER',
        retriable: false,
      });
    }
  });

  it('keeps "retries spent" transient when every attempt failed for a transient reason', () => {
    const err = translatePlatformaticError(retriesSpent(new NetworkError('ECONNREFUSED'), answered(3)), 'producing');
    expect(err).toMatchObject({ code: 'CL_KAFKA_TRANSIENT', retriable: true });
    expect(err.message).toContain('producing');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('counts a time-out and an unknown topic (one being created) as transient', () => {
    expect(translatePlatformaticError(new TimeoutError('Request timed out'), 'x').code).toBe('CL_KAFKA_TRANSIENT');
    expect(translatePlatformaticError(answered(3 /* UNKNOWN_TOPIC_OR_PARTITION */), 'x').code).toBe(
      'CL_KAFKA_TRANSIENT',
    );
  });

  it('marks refused credentials and authorisation fatal, even among transient attempts', () => {
    expect(translatePlatformaticError(new AuthenticationError('SASL failed'), 'x').code).toBe('CL_KAFKA_FATAL');
    const err = retriesSpent(new NetworkError('reset'), answered(29 /* TOPIC_AUTHORIZATION_FAILED */));
    expect(translatePlatformaticError(err, 'x')).toMatchObject({ code: 'CL_KAFKA_FATAL', retriable: false });
  });

  it('marks a misuse the client refuses fatal', () => {
    const err = translatePlatformaticError(new UserError('Cannot commit an already completed transaction.'), 'x');
    expect(err.code).toBe('CL_KAFKA_FATAL');
  });

  it('passes a CloseloopError through unchanged', () => {
    const original = new CloseloopError('CL_CONFIG_INVALID', 'bad');
    expect(translatePlatformaticError(original, 'x')).toBe(original);
  });
});

describe('the backoff between the client attempts', () => {
  it('tries a transaction that met the previous one finishing again after 20 ms, as Java does', () => {
    const concurrent = new MultipleErrors('AddPartitionsToTxn failed', [new ProtocolError('CONCURRENT_TRANSACTIONS')]);
    expect([1, 2, 3, 10].map((a) => retryDelay(null, 'addPartitions', a, 5, concurrent))).toEqual([20, 40, 80, 1_000]);
  });

  it('reads offsets a transaction has not yet ended again soon, then as patiently as anything else', () => {
    const unstable = new MultipleErrors('OffsetFetch failed', [new ProtocolError('UNSTABLE_OFFSET_COMMIT')]);
    const waits = [1, 2, 3, 4, 5, 6].map((a) => retryDelay(null, 'listConsumerGroupOffsets', a, 5, unstable));
    expect(waits).toEqual([20, 100, 500, 2_500, 5_000, 5_000]);
    // Over the default five retries, about as long as 300 ms doubling gave (9.3 s): not a shorter fuse.
    expect(waits.slice(0, 5).reduce((a, b) => a + b)).toBe(8_120);
    expect(retryDelay(null, 'op', 1, 5, new ProtocolError('UNSTABLE_OFFSET_COMMIT'))).toBe(20);
  });

  it('waits 300 ms doubling to 5 s for anything else', () => {
    const other = new ProtocolError('COORDINATOR_LOAD_IN_PROGRESS');
    expect([1, 2, 3, 10].map((a) => retryDelay(null, 'op', a, 5, other))).toEqual([300, 600, 1_200, 5_000]);
    expect(retryDelay(null, 'op', 1)).toBe(300);
  });
});
