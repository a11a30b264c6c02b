import { describe, expect, it } from 'vitest';
import { KafkaJsAdmin } from '../../src/messaging/kafkajs-admin.ts';

type Admin = ConstructorParameters<typeof KafkaJsAdmin>[0];

/** An admin client whose broker knows the topics created so far, and fails the first checks. */
function fakeAdmin(failures: number) {
  const topics = new Set<string>();
  const created: string[][] = [];
  const admin = {
    listTopics: () => Promise.resolve([...topics]),
    createTopics: ({ topics: specs }: { topics: { topic: string }[] }) => {
      created.push(specs.map((s) => s.topic));
      for (const s of specs) topics.add(s.topic);
      // The topics exist, but the leader check right after creation does not see them yet.
      if (failures-- > 0) return Promise.reject(new Error('This server does not host this topic-partition'));
      return Promise.resolve(true);
    },
  };
  return { admin: new KafkaJsAdmin(admin as unknown as Admin), created };
}

describe('ensureTopics', () => {
  it('waits out a broker that does not see a topic it has just created', async () => {
    const { admin, created } = fakeAdmin(1);
    await admin.ensureTopics([{ topic: 'a' }, { topic: 'b' }]);
    // The second attempt finds both topics and creates nothing again.
    expect(created).toEqual([['a', 'b']]);
  });

  it('reports the failure when it lasts, as a transient Kafka error', async () => {
    const down = { listTopics: () => Promise.reject(new Error('Connection timeout')) };
    const admin = new KafkaJsAdmin(down as unknown as Admin);
    await expect(admin.ensureTopics([{ topic: 'c' }])).rejects.toMatchObject({ code: 'CL_KAFKA_TRANSIENT' });
  });
});
