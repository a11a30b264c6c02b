import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION, loadStackConfig } from '../../stack/config.ts';

/**
 * Apache Kafka's own Java clients, for tests of what closeloop exchanges with clients it did not
 * write. Each is one source file under test/support/java, run by `java` as a single source file
 * on the Kafka libraries the local stack unpacked: no build step, nothing downloaded here.
 */

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ForeignRecord {
  readonly compression: Compression;
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** The Kafka libraries the local stack unpacked; absent where the tests run on a stack of their own. */
const KAFKA_LIBS = path.join(loadStackConfig().home, `kafka-${KAFKA_VERSION}`, 'libs');
export const kafkaLibsPresent = existsSync(path.join(KAFKA_LIBS, `kafka-clients-${KAFKA_VERSION}.jar`));

const JAVA = path.resolve('test/support/java');

/** Runs one of the Java sources; resolves with its standard output when it exits 0. */
function runJava(source: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', path.join(KAFKA_LIBS, '*'), path.join(JAVA, source), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${source} exited with ${code}:\n${(out + err).slice(-4000)}`));
    });
    child.stdin.end(input);
  });
}

/**
 * Sends the records with the Java producer (ForeignProducer.java), one producer per compression
 * type, with the client's defaults otherwise: its partitioner, batching and idempotence.
 * Resolves once every record is acknowledged.
 */
export async function sendWithJava(brokers: string, records: readonly ForeignRecord[]): Promise<void> {
  const lines = records.map(
    (r) => `${r.compression} ${r.topic} ${Buffer.from(r.key).toString('base64')} ${r.value.toString('base64')}\n`,
  );
  const out = await runJava('ForeignProducer.java', [brokers], lines.join(''));
  if (!out.includes(`sent ${records.length}\n`)) throw new Error(`the Java producer said: ${out.slice(-2000)}`);
}

/** Every record of `topic` up to its end, as the Java consumer reads it at `isolation`. */
export async function readWithJava(
  brokers: string,
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
): Promise<ReadRecord[]> {
  const lines = (await runJava('ForeignConsumer.java', [brokers, topic, isolation], '')).trim().split('\n');
  const last = lines.pop() ?? '';
  const records = lines.map((line): ReadRecord => {
    const [partition, offset, key, value] = line.split(' ');
    const bytes = (s: string | undefined) => (s === undefined || s === '-' ? null : Buffer.from(s, 'base64'));
    return { partition: Number(partition), offset: Number(offset), key: bytes(key), value: bytes(value) };
  });
  if (last !== `end ${records.length}`) throw new Error(`the Java consumer ended with "${last}"`);
  return records;
}
