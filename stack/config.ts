import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';

// One place that says which versions run and where they live, so the CLI, the test
// harness and the docs agree.
export const KAFKA_VERSION = '3.9.1';
export const APICURIO_VERSION = '3.3.3';
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1024).max(65535);

const envSchema = z.object({
  CLOSELOOP_STACK_DIR: z.string().min(1).default(path.join(repoRoot, '.stack')),
  // Logs, pids and broker data; defaults to the stack dir. A second stack (tests) can share
  // the unpacked downloads and still keep its own processes apart.
  CLOSELOOP_STACK_RUN_DIR: z.string().min(1).optional(),
  CLOSELOOP_KAFKA_PORT: port.default(19092),
  CLOSELOOP_KAFKA_CONTROLLER_PORT: port.default(19093),
  CLOSELOOP_REGISTRY_PORT: port.default(18081),
  CLOSELOOP_REGISTRY_MANAGEMENT_PORT: port.default(19001),
  CLOSELOOP_STACK_READY_TIMEOUT_MS: z.coerce.number().int().positive().default(180_000),
});

export interface StackConfig {
  readonly repoRoot: string;
  /** Unpacked Kafka and Apicurio. */
  readonly home: string;
  /** Logs, pid files and broker data of this stack instance. */
  readonly runDir: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly registryPort: number;
  readonly registryManagementPort: number;
  readonly readyTimeoutMs: number;
  readonly brokers: string;
  readonly registryUrl: string;
}

export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new StackConfigError(`invalid local stack settings:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const ports = [
    e.CLOSELOOP_KAFKA_PORT,
    e.CLOSELOOP_KAFKA_CONTROLLER_PORT,
    e.CLOSELOOP_REGISTRY_PORT,
    e.CLOSELOOP_REGISTRY_MANAGEMENT_PORT,
  ];
  if (new Set(ports).size !== ports.length) {
    throw new StackConfigError(`invalid local stack settings: ports must differ, got ${ports.join(', ')}`);
  }
  return {
    repoRoot,
    home: path.resolve(e.CLOSELOOP_STACK_DIR),
    runDir: path.resolve(e.CLOSELOOP_STACK_RUN_DIR ?? e.CLOSELOOP_STACK_DIR),
    kafkaPort: e.CLOSELOOP_KAFKA_PORT,
    kafkaControllerPort: e.CLOSELOOP_KAFKA_CONTROLLER_PORT,
    registryPort: e.CLOSELOOP_REGISTRY_PORT,
    registryManagementPort: e.CLOSELOOP_REGISTRY_MANAGEMENT_PORT,
    readyTimeoutMs: e.CLOSELOOP_STACK_READY_TIMEOUT_MS,
    brokers: `127.0.0.1:${e.CLOSELOOP_KAFKA_PORT}`,
    registryUrl: `http://127.0.0.1:${e.CLOSELOOP_REGISTRY_PORT}/apis/ccompat/v7`,
  };
}
