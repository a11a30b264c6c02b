import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import {
  coPartitionedAssigner,
  decodeClaim,
  encodeClaim,
} from '../../src/messaging/platformatic/co-partitioned-assigner.ts';

const metadata = (counts: Record<string, number>) =>
  ({
    topics: new Map(Object.entries(counts).map(([t, n]) => [t, { partitionsCount: n }])),
  }) as unknown as ClusterMetadata;
const members = (...ids: string[]) =>
  new Map(ids.map((id) => [id, { memberId: id } as ExtendedGroupProtocolSubscription]));
/** Members whose subscriptions carry user data. */
const claiming = (data: Record<string, Buffer | undefined>) =>
  new Map(
    Object.entries(data).map(([id, metadata]) => [
      id,
      { memberId: id, ...(metadata ? { metadata } : {}) } as ExtendedGroupProtocolSubscription,
    ]),
  );

function owners(result: ReturnType<typeof coPartitionedAssigner>): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of result)
    for (const a of m.assignments.values()) for (const p of a.partitions) out.set(`${a.topic}/${p}`, m.memberId);
  return out;
}

describe('co-partitioned assignment', () => {
  it('gives partition p of every topic to one member and deals the partitions out evenly', () => {
    const result = coPartitionedAssigner(
      'b',
      members('b', 'a'),
      new Set(['crm', 'dept', 'links']),
      metadata({ crm: 6, dept: 6, links: 6 }),
    );
    const o = owners(result);
    for (let p = 0; p < 6; p += 1) {
      expect(o.get(`dept/${p}`)).toBe(o.get(`crm/${p}`));
      expect(o.get(`links/${p}`)).toBe(o.get(`crm/${p}`));
    }
    expect(result.map((m) => m.assignments.get('crm')?.partitions.length)).toEqual([3, 3]);
  });

  it('computes the same answer whichever member leads', () => {
    const topics = new Set(['crm', 'dept']);
    const one = owners(coPartitionedAssigner('a', members('a', 'b', 'c'), topics, metadata({ crm: 4, dept: 4 })));
    const two = owners(coPartitionedAssigner('c', members('c', 'b', 'a'), topics, metadata({ crm: 4, dept: 4 })));
    expect(two).toEqual(one);
  });

  it('leaves a member without partitions when there are more members than partitions', () => {
    const result = coPartitionedAssigner('a', members('a', 'b', 'c'), new Set(['crm']), metadata({ crm: 2 }));
    expect(result.find((m) => m.memberId === 'c')?.assignments.size).toBe(0);
  });

  it('keeps the partitions members claim in their user data, for every topic alike', () => {
    const result = coPartitionedAssigner(
      'a',
      claiming({ a: encodeClaim(3, [1, 3, 5]), b: encodeClaim(3, [0, 2, 4]), c: undefined }),
      new Set(['crm', 'links']),
      metadata({ crm: 6, links: 6 }),
    );
    const crm = (id: string) => result.find((m) => m.memberId === id)?.assignments.get('crm')?.partitions;
    const links = (id: string) => result.find((m) => m.memberId === id)?.assignments.get('links')?.partitions;
    expect(crm('a')).toHaveLength(2);
    expect(crm('a')?.every((p) => [1, 3, 5].includes(p))).toBe(true);
    expect(crm('b')?.every((p) => [0, 2, 4].includes(p))).toBe(true);
    expect(crm('c')).toHaveLength(2);
    for (const id of ['a', 'b', 'c']) expect(links(id)).toEqual(crm(id));
  });

  it('reads a claim back as written, and no claim from user data it cannot read', () => {
    expect(decodeClaim('m', encodeClaim(12, [0, 4]))).toEqual({ memberId: 'm', generation: 12, partitions: [0, 4] });
    expect(decodeClaim('m', encodeClaim(-1, []))).toEqual({ memberId: 'm', generation: -1, partitions: [] });
    const truncated = encodeClaim(12, [0, 4]).subarray(0, 14);
    const otherVersion = Buffer.from(encodeClaim(12, [0]));
    otherVersion.writeInt16BE(9, 0);
    for (const data of [undefined, null, '', Buffer.alloc(0), truncated, otherVersion, Buffer.from('kafkajs')])
      expect(decodeClaim('m', data)).toBeNull();
  });
});
