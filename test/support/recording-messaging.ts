import type { Messaging, MessageProducer, Transaction } from '../../src/messaging/index.ts';

/**
 * A real Messaging with its producers' writes passed through `wrap`: each transaction of every
 * transactional producer, and each send of every plain producer (given the real producer to
 * send with). Fault and recording tests change only what they need and leave the rest real.
 */
export function wrapMessaging(
  inner: Messaging,
  wrap: {
    transaction?: (tx: Transaction) => Transaction;
    send?: (
      producer: MessageProducer,
      ...args: Parameters<MessageProducer['send']>
    ) => ReturnType<MessageProducer['send']>;
  },
): Messaging {
  return {
    admin: () => inner.admin(),
    consumer: (o) => inner.consumer(o),
    producer: (o) => {
      const p = inner.producer(o);
      const send = wrap.send;
      return send ? { connect: () => p.connect(), disconnect: () => p.disconnect(), send: (t, r) => send(p, t, r) } : p;
    },
    transactionalProducer: (id) => {
      const p = inner.transactionalProducer(id);
      const tx = wrap.transaction;
      return tx
        ? {
            connect: () => p.connect(),
            disconnect: () => p.disconnect(),
            fence: () => p.fence(),
            begin: async () => tx(await p.begin()),
          }
        : p;
    },
  };
}

/** A transaction with some of its methods replaced, the rest passed through. */
export function overTransaction(tx: Transaction, over: Partial<Transaction>): Transaction {
  return {
    send: (topic, records) => tx.send(topic, records),
    sendMany: (byTopic) => tx.sendMany(byTopic),
    sendOffsets: (group, offsets) => tx.sendOffsets(group, offsets),
    commit: () => tx.commit(),
    abort: () => tx.abort(),
    ...over,
  };
}

/**
 * A real Messaging whose producers note every topic they write to, so a test can check that
 * each topic a stage produced to exists (the broker's auto-create is off).
 */
export function recordingMessaging(inner: Messaging): { messaging: Messaging; written: Set<string> } {
  const written = new Set<string>();
  const messaging = wrapMessaging(inner, {
    transaction: (tx) =>
      overTransaction(tx, {
        send: (topic, records) => {
          written.add(topic);
          return tx.send(topic, records);
        },
        sendMany: (byTopic) => {
          for (const t of byTopic.keys()) written.add(t);
          return tx.sendMany(byTopic);
        },
      }),
    send: (producer, topic, records) => {
      written.add(topic);
      return producer.send(topic, records);
    },
  });
  return { messaging, written };
}
