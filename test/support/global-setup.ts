import type { TestProject } from 'vitest/node';
import { faultTable, readFaultRows, resetFaultRows } from './fault-report.ts';
import { resolveStack } from './stack-resolver.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
    stackSource: 'env' | 'testcontainers' | 'local-jvm';
  }
}

/**
 * Integration tests need a real broker and registry. Takes the first that applies:
 * KAFKA_BROKERS + SCHEMA_REGISTRY_URL, testcontainers when a Docker engine answers, or the
 * local JVM stack (started here and stopped at the end unless it was already running).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await resolveStack((line) => console.log(`[integration stack] ${line}`));
  project.provide('kafkaBrokers', stack.brokers);
  project.provide('schemaRegistryUrl', stack.registryUrl);
  project.provide('stackSource', stack.source);
  resetFaultRows();
  return async () => {
    const rows = readFaultRows();
    if (rows.length > 0) console.log(`\n[fault suite]\n${faultTable(rows)}\n`);
    await stack.teardown();
  };
}
