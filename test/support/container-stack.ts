import { createServer } from 'node:net';
import type { ResolvedStack } from './stack-resolver.ts';

const KAFKA_IMAGE = 'apache/kafka:3.9.1';
const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The same two services as docker-compose.yml, under testcontainers. Returns undefined when no
 * engine answers after all, so the caller can fall back to the local JVM stack.
 */
export async function startContainerStack(log: (line: string) => void): Promise<ResolvedStack | undefined> {
  const tc = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch (err) {
    log(`no Docker engine answered (${err instanceof Error ? err.message : String(err)}); using the local JVM stack`);
    return undefined;
  }
  // Kafka advertises the host port, so it must be known before the container starts.
  const kafkaPort = await freePort();
  const kafka = await new tc.GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(tc.Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new tc.GenericContainer(REGISTRY_IMAGE)
    .withExposedPorts(8080)
    .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
    .withWaitStrategy(tc.Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
    .start();
  const registryUrl = `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`;
  log(`testcontainers: Kafka at 127.0.0.1:${kafkaPort}, registry at ${registryUrl}`);
  return {
    source: 'testcontainers',
    brokers: `127.0.0.1:${kafkaPort}`,
    registryUrl,
    teardown: async () => {
      await registry.stop();
      await kafka.stop();
    },
  };
}
