import { createKafkaJsMessaging } from './kafkajs.ts';
import { createPlatformaticMessaging } from './platformatic/index.ts';
import { DEFAULT_KAFKA_CLIENT, type KafkaSettings } from './settings.ts';
import type { Messaging } from './types.ts';

/** The messaging port on the client the settings choose. */
export function createKafkaMessaging(settings: KafkaSettings): Messaging {
  return (settings.client ?? DEFAULT_KAFKA_CLIENT) === 'platformatic'
    ? createPlatformaticMessaging(settings)
    : createKafkaJsMessaging(settings);
}
