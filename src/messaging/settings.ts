import type { Logger } from '../observability/logger.ts';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Attempts the client makes inside one call before the error reaches our own retry policy. */
  readonly retries?: number;
}
