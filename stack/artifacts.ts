import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APICURIO_VERSION, KAFKA_VERSION, MAVEN_DEPENDENCY_PLUGIN, type StackConfig } from './config.ts';
import { requireTool, run } from './proc.ts';

// Maven keeps its own download cache (~/.m2), so a second clone or a wiped .stack only
// copies files locally. The marker file makes a half-finished copy count as missing.
const MARKER = '.complete';

export interface KafkaInstall {
  readonly libs: string;
}

export interface ApicurioInstall {
  readonly jar: string;
}

export async function ensureKafka(cfg: StackConfig, log: (line: string) => void): Promise<KafkaInstall> {
  const dir = path.join(cfg.home, `kafka-${KAFKA_VERSION}`);
  const libs = path.join(dir, 'libs');
  if (existsSync(path.join(dir, MARKER))) return { libs };
  log(`resolving Apache Kafka ${KAFKA_VERSION} from Maven Central (cached in ~/.m2 afterwards)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await copyDependencies(path.join(cfg.repoRoot, 'stack', 'kafka', 'pom.xml'), libs, 'downloading Kafka with Maven');
  await writeFile(path.join(dir, MARKER), new Date().toISOString());
  return { libs };
}

/** Copies a pom's runtime dependencies into `dir`, from ~/.m2 or else Maven Central. */
export async function copyDependencies(pom: string, dir: string, what: string): Promise<void> {
  await requireTool('mvn', 'Maven');
  await run(
    'mvn',
    [
      '-B',
      '-ntp',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${dir}`,
    ],
    { what },
  );
}

export async function ensureApicurio(cfg: StackConfig, log: (line: string) => void): Promise<ApicurioInstall> {
  const dir = path.join(cfg.home, `apicurio-${APICURIO_VERSION}`);
  if (existsSync(path.join(dir, MARKER))) return { jar: await findQuarkusJar(dir) };
  await requireTool('mvn', 'Maven');
  await requireTool('tar', 'tar');
  log(`resolving Apicurio Registry ${APICURIO_VERSION} from Maven Central (about 160 MB the first time)`);
  const downloads = path.join(cfg.home, 'downloads');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(downloads, { recursive: true });
  await run(
    'mvn',
    [
      '-B',
      '-ntp',
      '-q',
      `${MAVEN_DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
      `-DoutputDirectory=${downloads}`,
    ],
    { what: 'downloading Apicurio Registry with Maven' },
  );
  const archive = path.join(downloads, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
  await run('tar', ['-xzf', archive, '-C', dir], { what: 'unpacking Apicurio Registry' });
  // The copy in ~/.m2 is the cache; this one only served the unpacking.
  await rm(archive, { force: true });
  const jar = await findQuarkusJar(dir);
  await writeFile(path.join(dir, MARKER), new Date().toISOString());
  return { jar };
}

// quarkus-run.jar sits at the archive root from 3.3 on, under quarkus-app/ before that,
// and some archives wrap everything in one top-level folder.
async function findQuarkusJar(dir: string): Promise<string> {
  const candidates = [path.join(dir, 'quarkus-run.jar'), path.join(dir, 'quarkus-app', 'quarkus-run.jar')];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      candidates.push(path.join(dir, entry.name, 'quarkus-run.jar'));
      candidates.push(path.join(dir, entry.name, 'quarkus-app', 'quarkus-run.jar'));
    }
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`no quarkus-run.jar found under ${dir}; delete that folder and run again`);
  return found;
}
