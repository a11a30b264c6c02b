import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { coPartitionedAssigner } from '../../src/messaging/platformatic/co-partitioned-assigner.ts';

const metadata = (counts: Record<string, number>) =>
  ({
    topics: new Map(Object.entries(counts).map(([t, n]) => [t, { partitionsCount: n }])),
  }) as unknown as ClusterMetadata;
const members = (...ids: string[]) =>
  new Map(ids.map((id) => [id, { memberId: id } as ExtendedGroupProtocolSubscription]));

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
});
