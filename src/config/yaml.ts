import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { CloseloopError, messageOf } from '../errors/index.ts';

/** zod's issues as "<file>: <path>: <message>" lines, the form every config problem takes. */
export function issues(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => issueLine(file, i));
}

export function issueLine(file: string, issue: z.core.$ZodIssue): string {
  return `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/**
 * The largest YAML file read (2 MiB): a config whose routing lists some 35 000 service codes.
 * Past it a file is a mistake (a log or a dump named by accident), and parsing it would hold the
 * start-up for long and take memory a hundred times its size.
 */
export const MAX_YAML_BYTES = 2 * 1024 * 1024;

/**
 * Reads a YAML file (the config, a status mapping, roles, SLA calendars and policies, an import
 * mapping). A problem the parser only warns of is refused like an error: a tag it cannot
 * resolve (`!env CITY`) would leave the tag's text as the value (`CITY`), with nothing but a
 * Node warning on stderr while the config reads as valid.
 */
export async function readYaml(file: string): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_YAML_BYTES)
      throw new CloseloopError(
        'CL_CONFIG_INVALID',
        `${file}: ${size} bytes, more than the ${MAX_YAML_BYTES} a config file may have (README "Configuration")`,
      );
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof CloseloopError) throw err;
    throw new CloseloopError('CL_CONFIG_INVALID', `${file}: ${messageOf(err)}`, { cause: err });
  }
  return parseYaml(file, text);
}

/** The YAML text as a value, or CL_CONFIG_INVALID with a line per problem, each at its line and column. */
export function parseYaml(file: string, text: string): unknown {
  const lineCounter = new LineCounter();
  // Silent: every warning is reported below, once, as a problem of the file. The parser's own
  // check of repeated keys compares each key with every one before it in its mapping, which a
  // routing of 20 000 service codes takes half a minute over: repeatedKeys does it in one pass.
  // A byte-order mark is no character of the first line: without it, columns are an editor's.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const doc = parseDocument(body, { lineCounter, prettyErrors: false, logLevel: 'silent', uniqueKeys: false });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problems = [...doc.errors, ...doc.warnings].map((e) => yamlProblem(e, at(e.pos[0])));
  repeatedKeys(doc.contents, [], (offset) => lineCounter.linePos(offset).line, at, problems);
  if (problems.length > 0)
    throw new CloseloopError('CL_CONFIG_INVALID', problems.join('\n'), { details: { problems } });
  try {
    return doc.toJS() as unknown;
  } catch (err) {
    // Too many aliases (a "billion laughs" file), say.
    throw new CloseloopError('CL_CONFIG_INVALID', `${file}: ${messageOf(err)}`, { cause: err });
  }
}

function yamlProblem(e: YAMLError, where: string): string {
  if (e.code !== 'TAG_RESOLVE_FAILED') return `${where}: ${e.message}`;
  return (
    `${where}: ${e.message}: the file is read as written, so the value would be the text after the tag ` +
    `(a variable's name, not its value); closeloop takes from the environment only the overrides the ` +
    `README lists (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, …) and the variables a connector names ` +
    `(tokenEnv, apiKeyEnv): write the value out or use one of those`
  );
}

/**
 * A key written twice in one mapping, at the second, with its path and the first's line: YAML
 * refuses it, and taking either value would ignore what the operator wrote in the other. Aliases
 * are not followed (their mappings are checked where they are written), so this is one pass over
 * the file's nodes.
 */
function repeatedKeys(
  node: unknown,
  path: readonly string[],
  lineOf: (offset: number) => number,
  at: (offset: number) => string,
  problems: string[],
): void {
  if (isSeq(node)) {
    node.items.forEach((item, i) => repeatedKeys(item, [...path, String(i)], lineOf, at, problems));
    return;
  }
  if (!isMap(node)) return;
  // By the key's text: 1 and '1' are one key of the object the file is read into.
  const seen = new Map<string, number>();
  for (const { key, value } of node.items) {
    const name = isScalar(key) ? (key.value === null ? '' : String(key.value)) : String(key);
    if (isScalar(key)) {
      const offset = key.range?.[0] ?? 0;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, offset);
      else
        problems.push(
          `${at(offset)}: ${[...path, name].join('.')}: the key is written twice in its mapping (first at line ` +
            `${lineOf(first)}): remove one, as YAML allows a key once`,
        );
    }
    repeatedKeys(value, [...path, name], lineOf, at, problems);
  }
}
