import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { CloseloopError, messageOf } from '../errors/index.ts';

export interface SchemaFile {
  readonly file: string;
  /** Confluent TopicNameStrategy: the file `<topic>.avsc` describes the values of `<topic>`. */
  readonly subject: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/**
 * The schemas closeloop ships, one `<topic>.avsc` per topic: `schemas/` two folders up from this
 * module, in a checkout (src/messaging) as in a build (dist/src/messaging, where `npm run build`
 * copies them to dist/schemas). Every reader takes them from here, never from the working
 * directory, so a command run from another folder finds them too.
 */
export const SHIPPED_SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

export function subjectForTopic(topic: string): string {
  return `${topic}-value`;
}

export async function readSchemaFile(file: string): Promise<SchemaFile> {
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    // Parsing with avsc catches what JSON alone does not: unknown types, bad defaults, bad names.
    avro.Type.forSchema(schema as avro.Schema);
  } catch (err) {
    throw new CloseloopError('CL_SCHEMA_FILE_INVALID', `${file}: ${messageOf(err)}`, { cause: err, details: { file } });
  }
  return { file, subject: subjectForTopic(path.basename(file, '.avsc')), schema };
}

/** Every `*.avsc` directly under dir, sorted by name so registration order is stable. */
export async function readSchemaDirectory(dir: string): Promise<SchemaFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.avsc')).sort();
  const files: SchemaFile[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      files.push(await readSchemaFile(path.join(dir, name)));
    } catch (err) {
      problems.push(messageOf(err));
    }
  }
  // Report every broken file at once rather than one per start-up.
  if (problems.length > 0) {
    throw new CloseloopError('CL_SCHEMA_FILE_INVALID', `invalid schema files:\n${problems.join('\n')}`);
  }
  return files;
}
