import type { Logger } from '../observability/logger.ts';

/** The Kafka clients the messaging port can run on; one setting chooses (config `kafka.client`). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];
export const DEFAULT_KAFKA_CLIENT: KafkaClient = 'platformatic';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** Which client implements the port; DEFAULT_KAFKA_CLIENT when not given. */
  readonly client?: KafkaClient;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Attempts the client makes inside one call before the error reaches our own retry policy. */
  readonly retries?: number;
}
