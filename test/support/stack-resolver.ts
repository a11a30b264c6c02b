import { existsSync } from 'node:fs';
import { loadStackConfig } from '../../stack/config.ts';
import { stackDown, stackUp } from '../../stack/stack.ts';

export interface ResolvedStack {
  readonly source: 'env' | 'testcontainers' | 'local-jvm';
  readonly brokers: string;
  readonly registryUrl: string;
  teardown(): Promise<void>;
}

const nothing = async () => undefined;

function dockerMayAnswer(): boolean {
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

export async function resolveStack(log: (line: string) => void): Promise<ResolvedStack> {
  const brokers = process.env['KAFKA_BROKERS'];
  const registryUrl = process.env['SCHEMA_REGISTRY_URL'];
  if (brokers && registryUrl) {
    log(`using KAFKA_BROKERS=${brokers} and SCHEMA_REGISTRY_URL=${registryUrl}`);
    return { source: 'env', brokers, registryUrl, teardown: nothing };
  }
  if (brokers || registryUrl) {
    throw new Error('set both KAFKA_BROKERS and SCHEMA_REGISTRY_URL, or neither (the tests then start a stack)');
  }
  if (process.env['CLOSELOOP_TEST_STACK'] !== 'local-jvm' && dockerMayAnswer()) {
    // Imported only here, so a machine without Docker never loads testcontainers.
    const { startContainerStack } = await import('./container-stack.ts');
    const stack = await startContainerStack(log);
    if (stack) return stack;
  }
  const cfg = loadStackConfig();
  const up = await stackUp(cfg, log);
  log(
    up.started
      ? `local JVM stack started in ${(up.timings['totalMs'] ?? 0) / 1000}s`
      : 'local JVM stack already up; leaving it running',
  );
  return {
    source: 'local-jvm',
    brokers: up.brokers,
    registryUrl: up.registryUrl,
    teardown: up.started
      ? async () => {
          await stackDown(cfg);
        }
      : nothing,
  };
}
