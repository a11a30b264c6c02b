import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { MAX_RECORD_BYTES, partitionFor, readHeaders, type IncomingRecord } from '../../src/messaging/index.ts';
import { REPARTITION_HEADERS, inputRoutes, place } from '../../src/processor/repartition.ts';
import { repartitionTopic } from '../../src/topics/index.ts';

const config = await loadConfig('config/closeloop.yaml', {});
const routes = inputRoutes(config);
const n = config.processor.partitions;

function record(topic: string, key: string | null, partition: number): IncomingRecord {
  return {
    topic,
    partition,
    offset: '41',
    timestamp: '0',
    key: key === null ? null : Buffer.from(key, 'utf8'),
    value: Buffer.from([0, 0, 0, 0, 7, 1, 2]),
    headers: { trace: Buffer.from('t1') },
  };
}

function routeOf(topic: string) {
  const route = routes.get(topic);
  if (!route) throw new Error(`no route for ${topic}`);
  return route;
}

describe('repartition placement', () => {
  it('consumes every input and both repartition topics, each as its source input', () => {
    expect(Object.fromEntries([...routes].map(([t, r]) => [t, r]))).toEqual({
      [config.topics.crmEvents]: {
        input: 'crmEvents',
        repartitionTo: repartitionTopic(config, 'crmEvents'),
        refuseMisplaced: false,
      },
      [config.topics.deptEvents]: {
        input: 'deptEvents',
        repartitionTo: repartitionTopic(config, 'deptEvents'),
        refuseMisplaced: false,
      },
      [config.topics.links]: { input: 'links', repartitionTo: null, refuseMisplaced: true },
      [config.topics.deliveries]: { input: 'deliveries', repartitionTo: null, refuseMisplaced: true },
      [config.topics.operatorCommands]: { input: 'operatorCommands', repartitionTo: null, refuseMisplaced: true },
      [repartitionTopic(config, 'crmEvents')]: {
        input: 'crmEvents',
        repartitionTo: repartitionTopic(config, 'crmEvents'),
        refuseMisplaced: false,
      },
      [repartitionTopic(config, 'deptEvents')]: {
        input: 'deptEvents',
        repartitionTo: repartitionTopic(config, 'deptEvents'),
        refuseMisplaced: false,
      },
    });
  });

  it('decides a foreign record where it is when it is on its key’s partition', () => {
    const topic = config.topics.deptEvents;
    expect(place(record(topic, 'SR-1', partitionFor('SR-1', n)), routeOf(topic), n)).toEqual({ kind: 'here' });
  });

  it('forwards a foreign record on another partition, bytes untouched, to its key’s partition', () => {
    const topic = config.topics.crmEvents;
    const right = partitionFor('SR-1', n);
    const wrong = (right + 1) % n;
    const r = record(topic, 'SR-1', wrong);
    expect(place(r, routeOf(topic), n)).toEqual({
      kind: 'forward',
      topic: repartitionTopic(config, 'crmEvents'),
      record: {
        key: r.key,
        value: r.value,
        partition: right,
        headers: {
          trace: Buffer.from('t1'),
          [REPARTITION_HEADERS.topic]: topic,
          [REPARTITION_HEADERS.partition]: String(wrong),
          [REPARTITION_HEADERS.offset]: '41',
        },
      },
    });
  });

  it('forwards repeated and null headers as written, its own after them', () => {
    const topic = config.topics.crmEvents;
    const wrong = (partitionFor('SR-1', n) + 1) % n;
    const headers = readHeaders([
      ['trace', Buffer.from('a')],
      ['trace', Buffer.from('b')],
      ['gone', null],
    ]);
    const placed = place({ ...record(topic, 'SR-1', wrong), ...headers }, routeOf(topic), n);
    expect(placed.kind).toBe('forward');
    if (placed.kind !== 'forward') return;
    expect(placed.record.headerList).toEqual(headers.headerList);
    expect(placed.record.headers).toEqual({
      [REPARTITION_HEADERS.topic]: topic,
      [REPARTITION_HEADERS.partition]: String(wrong),
      [REPARTITION_HEADERS.offset]: '41',
    });
  });

  it('decides a repartition topic’s record where the processor placed it', () => {
    const topic = repartitionTopic(config, 'deptEvents');
    expect(place(record(topic, 'SR-1', partitionFor('SR-1', n)), routeOf(topic), n)).toEqual({ kind: 'here' });
  });

  it('forwards a repartition topic’s record placed under another partition count within the topic, keeping its source', () => {
    // Forwarded when the count was 2, read back once it is n: its key's partition moved.
    const key = Array.from({ length: 100 }, (_, i) => `SR-${i}`).find((k) => partitionFor(k, 2) !== partitionFor(k, n));
    if (!key) throw new Error('no key whose partition moves');
    const topic = repartitionTopic(config, 'deptEvents');
    const source = {
      [REPARTITION_HEADERS.topic]: Buffer.from(config.topics.deptEvents),
      [REPARTITION_HEADERS.partition]: Buffer.from('1'),
      [REPARTITION_HEADERS.offset]: Buffer.from('7'),
    };
    const r = { ...record(topic, key, partitionFor(key, 2)), headers: { trace: Buffer.from('t1'), ...source } };
    expect(place(r, routeOf(topic), n)).toEqual({
      kind: 'forward',
      topic,
      record: { key: r.key, value: r.value, partition: partitionFor(key, n), headers: r.headers },
    });
  });

  it('refuses a link, operator command or receipt off its key’s partition, which has no repartition topic', () => {
    const right = partitionFor('SR-1', n);
    const wrong = (right + 1) % n;
    for (const topic of [config.topics.links, config.topics.operatorCommands, config.topics.deliveries]) {
      expect(place(record(topic, 'SR-1', right), routeOf(topic), n)).toEqual({ kind: 'here' });
      const placed = place(record(topic, 'SR-1', wrong), routeOf(topic), n);
      expect(placed.kind === 'refused' ? [placed.error.code, placed.error.message] : placed.kind).toEqual([
        'CL_RECORD_INVALID',
        `record at ${topic}:${wrong}:41 is not on its key's partition ${right} (murmur2, as closeloop's producers and Kafka's Java client place keys), and this topic has no repartition topic`,
      ]);
    }
  });

  it('cannot place a foreign record without a key', () => {
    const topic = config.topics.deptEvents;
    const placed = place(record(topic, null, 0), routeOf(topic), n);
    expect(placed.kind).toBe('refused');
    expect(placed.kind === 'refused' ? placed.error.code : null).toBe('CL_RECORD_UNKEYED');
  });

  it('dead-letters a record on the wrong partition that the source headers would take past the record limit', () => {
    const topic = config.topics.deptEvents;
    const wrong = (partitionFor('SR-1', n) + 1) % n;
    const huge = { ...record(topic, 'SR-1', wrong), value: Buffer.alloc(MAX_RECORD_BYTES - 100) };
    const placed = place(huge, routeOf(topic), n);
    expect(placed.kind === 'refused' ? placed.error.code : placed.kind).toBe('CL_RECORD_TOO_LARGE');
    // One that fits with them is forwarded.
    const fits = { ...huge, value: Buffer.alloc(MAX_RECORD_BYTES - 1_000) };
    expect(place(fits, routeOf(topic), n).kind).toBe('forward');
  });
});
