import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_VERSION, loadStackConfig } from '../../stack/config.ts';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ForeignRecord {
  readonly compression: Compression;
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
}

/** The Kafka libraries the local stack unpacked; absent where the tests run on a stack of their own. */
export const KAFKA_LIBS = path.join(loadStackConfig().home, `kafka-${KAFKA_VERSION}`, 'libs');
export const kafkaLibsPresent = existsSync(path.join(KAFKA_LIBS, `kafka-clients-${KAFKA_VERSION}.jar`));

const SOURCE = path.resolve('test/support/java/ForeignProducer.java');

/**
 * Sends the records with Apache Kafka's Java producer (ForeignProducer.java, run as a single
 * source file on the stack's Kafka libraries): its partitioner, its batching and compression.
 * Resolves once every record is acknowledged; rejects with the producer's output otherwise.
 */
export function sendWithJava(brokers: string, records: readonly ForeignRecord[]): Promise<void> {
  const lines = records.map(
    (r) => `${r.compression} ${r.topic} ${Buffer.from(r.key).toString('base64')} ${r.value.toString('base64')}\n`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', path.join(KAFKA_LIBS, '*'), SOURCE, brokers], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && out.includes(`sent ${records.length}`)) resolve();
      else reject(new Error(`the Java producer exited with ${code}:\n${out.slice(-4000)}`));
    });
    child.stdin.end(lines.join(''));
  });
}
