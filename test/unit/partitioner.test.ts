import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from '../../src/messaging/index.ts';

// Apache Kafka's clients UtilsTest.testMurmur2: the Java client's own expectations.
const JAVA_UTILS_TEST: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

// librdkafka's src/rdmurmur2.c unit test (`java_murmur2_results`), which covers every tail
// length and the empty key; written there as unsigned hex of the Java int.
const LIBRDKAFKA_JAVA_RESULTS: [string, number][] = [
  ['kafka', 0xd067cf64],
  ['giberish123456789', 0x8f552b0c],
  ['1234', 0x9fc97b14],
  ['234', 0xe7c009ca],
  ['34', 0x873930da],
  ['4', 0x5a4b5ca1],
  ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
  ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377],
  ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e],
  ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f],
  ['', 0x106e08d9],
];

describe('murmur2 as the Java client computes it', () => {
  it.each(JAVA_UTILS_TEST)('hashes %j to %i', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });

  it.each(LIBRDKAFKA_JAVA_RESULTS)('hashes %j to the unsigned %i', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash | 0);
  });
});

describe('partitionFor', () => {
  it('clears the sign bit, as Utils.toPositive does, rather than taking the absolute value', () => {
    // murmur2("foobar") = -790332482; & 0x7fffffff = 1357151166, while |h| = 790332482.
    expect(partitionFor('foobar', 1_000_000_000)).toBe(357151166);
    expect(partitionFor('foobar', 7)).toBe(1357151166 % 7);
    expect(790332482 % 7).not.toBe(1357151166 % 7);
  });

  it('hashes the key as UTF-8 bytes, so strings and their bytes agree', () => {
    for (const key of ['SR-2024-000123', 'Bürgeramt-7', '']) {
      expect(partitionFor(key, 12)).toBe(partitionFor(Buffer.from(key, 'utf8'), 12));
    }
  });

  it('gives a non-negative partition below the count for every key', () => {
    for (let i = 0; i < 1000; i += 1) {
      const p = partitionFor(`ticket-${i}`, 3);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(3);
    }
  });

  it('refuses a partition count below one', () => {
    expect(() => partitionFor('k', 0)).toThrow(RangeError);
  });
});
