import { CloseloopError } from '../errors/index.ts';
import type { MessagingAdmin } from './types.ts';

/**
 * Refuses, at once, a read of topics that do not exist. Reading a missing topic makes the client
 * retry for a while and then say something obscure (CL_KAFKA_TRANSIENT, "Unknown topic"), which
 * sends an operator after the broker instead of the config or a processor never started. Only
 * commands that read call this: a process that creates the topics (the worker) must not.
 */
export async function requireTopics(admin: MessagingAdmin, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new CloseloopError(
      'CL_CONFIG_INVALID',
      `topic(s) ${missing.join(', ')} do not exist: check topics in the config, or start the processor once to create them`,
      { details: { missing } },
    );
  }
}
