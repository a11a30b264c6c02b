import type { Messaging, Transaction } from '../../src/messaging/index.ts';

/**
 * A real Messaging whose producers note every topic they write to, so a test can check that
 * each topic a stage produced to exists (the broker's auto-create is off).
 */
export function recordingMessaging(inner: Messaging): { messaging: Messaging; written: Set<string> } {
  const written = new Set<string>();
  const wrapTx = (tx: Transaction): Transaction => ({
    send: (topic, records) => {
      written.add(topic);
      return tx.send(topic, records);
    },
    sendMany: (byTopic) => {
      for (const t of byTopic.keys()) written.add(t);
      return tx.sendMany(byTopic);
    },
    sendOffsets: (group, offsets) => tx.sendOffsets(group, offsets),
    commit: () => tx.commit(),
    abort: () => tx.abort(),
  });
  const messaging: Messaging = {
    admin: () => inner.admin(),
    consumer: (o) => inner.consumer(o),
    producer: (o) => {
      const p = inner.producer(o);
      return {
        connect: () => p.connect(),
        disconnect: () => p.disconnect(),
        send: (topic, records) => {
          written.add(topic);
          return p.send(topic, records);
        },
      };
    },
    transactionalProducer: (id) => {
      const p = inner.transactionalProducer(id);
      return {
        connect: () => p.connect(),
        disconnect: () => p.disconnect(),
        fence: () => p.fence(),
        begin: async () => wrapTx(await p.begin()),
      };
    },
  };
  return { messaging, written };
}
