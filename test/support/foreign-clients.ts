import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadStackConfig } from '../../stack/config.ts';
import { copyDependencies } from '../../stack/artifacts.ts';

/**
 * Apache Kafka's own Java clients, and Apache Avro, for tests of what closeloop exchanges with
 * clients it did not write. Each client is one source file under test/support/java, run by
 * `java` as a single source file; their classpath (that folder's pom.xml) is resolved once from
 * Maven Central into the stack's folder, as the stack resolves Kafka, and reused after.
 */

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ForeignRecord {
  readonly compression: Compression;
  readonly topic: string;
  readonly key: string;
  /** Apache Avro encodes the value with this subject's latest schema. */
  readonly subject: string;
  /** The value in Avro's JSON encoding (unions wrapped), as avsc's Type#toString writes it. */
  readonly json: string;
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The value as Apache Avro read it, when a registry was given. */
  readonly avro?: unknown;
}

const JAVA = path.resolve('test/support/java');
const POM = path.join(JAVA, 'pom.xml');

let classpath: Promise<string> | undefined;

/**
 * The clients' classpath, resolved with Maven the first time (a folder per pom.xml content).
 * A test file calls it in beforeAll, so a first download counts against the hook's time-out
 * rather than a test's.
 */
export function javaClasspath(): Promise<string> {
  classpath ??= (async () => {
    const digest = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12);
    const dir = path.join(loadStackConfig().home, `java-clients-${digest}`);
    if (!existsSync(path.join(dir, '.complete'))) {
      const partial = `${dir}.partial`;
      await rm(partial, { recursive: true, force: true });
      await copyDependencies(POM, partial, 'resolving the Java test clients with Maven');
      await writeFile(path.join(partial, '.complete'), new Date().toISOString());
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir);
    }
    return path.join(dir, '*');
  })();
  return classpath;
}

/**
 * Runs one of the Java sources; resolves with its standard output when it exits 0. A run that
 * has not ended after `timeoutMs` is killed and fails with what it printed: the clients' own
 * time-outs are shorter, so this catches only a JVM that hangs outright.
 */
async function runJava(source: string, args: readonly string[], input: string, timeoutMs = 60_000): Promise<string> {
  const cp = await javaClasspath();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      ['-cp', cp, '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', path.join(JAVA, source), ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // 'close', not 'exit': a process may exit before its output is all read.
    child.on('close', (code) => {
      clearTimeout(timer);
      const said = (out + err).slice(-4000);
      if (killed) reject(new Error(`${source} did not end within ${timeoutMs} ms and was killed:\n${said}`));
      else if (code === 0) resolve(out);
      else reject(new Error(`${source} exited with ${code}:\n${said}`));
    });
    child.stdin.end(input);
  });
}

/**
 * Sends the records with the Java producer (ForeignProducer.java), one producer per compression
 * type, with the client's defaults otherwise: its partitioner, batching and idempotence. Each
 * value is encoded by Apache Avro with its subject's latest schema from the registry. Resolves
 * once every record is acknowledged.
 */
export async function sendWithJava(
  brokers: string,
  registryUrl: string,
  records: readonly ForeignRecord[],
): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const lines = records.map((r) => `${r.compression} ${r.topic} ${b64(r.key)} ${r.subject} ${b64(r.json)}\n`);
  const out = await runJava('ForeignProducer.java', [brokers, registryUrl], lines.join(''));
  if (!out.includes(`sent ${records.length}\n`)) throw new Error(`the Java producer said: ${out.slice(-2000)}`);
}

/**
 * Every record of `topic` up to its end, as the Java consumer reads it at `isolation`; given a
 * registry, each value also as Apache Avro decodes it with the writer's schema (`avro`).
 */
export async function readWithJava(
  brokers: string,
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
  registryUrl?: string,
): Promise<ReadRecord[]> {
  const args = [brokers, topic, isolation, ...(registryUrl ? [registryUrl] : [])];
  const lines = (await runJava('ForeignConsumer.java', args, '')).trim().split('\n');
  const last = lines.pop() ?? '';
  const bytes = (s: string | undefined) => (s === undefined || s === '-' ? null : Buffer.from(s, 'base64'));
  const records = lines.map((line): ReadRecord => {
    // The JSON, last, may hold spaces: the first four fields are cut off, the rest kept whole.
    const fields = line.split(' ', 4);
    const json = line.slice(fields.join(' ').length + 1);
    const [partition, offset, key, value] = fields;
    return {
      partition: Number(partition),
      offset: Number(offset),
      key: bytes(key),
      value: bytes(value),
      ...(json ? { avro: JSON.parse(json) as unknown } : {}),
    };
  });
  if (last !== `end ${records.length}`) throw new Error(`the Java consumer ended with "${last}"`);
  return records;
}
