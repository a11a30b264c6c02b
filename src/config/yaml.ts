import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
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
 * Reads a YAML file (the config, a status mapping, roles, SLA calendars and policies, an import
 * mapping). A problem the parser only warns of is refused like an error: a tag it cannot
 * resolve (`!env CITY`) would leave the tag's text as the value (`CITY`), with nothing but a
 * Node warning on stderr while the config reads as valid.
 */
export async function readYaml(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CloseloopError('CL_CONFIG_INVALID', `${file}: ${messageOf(err)}`, { cause: err });
  }
  return parseYaml(file, text);
}

/** The YAML text as a value, or CL_CONFIG_INVALID with a line per problem, each at its line and column. */
export function parseYaml(file: string, text: string): unknown {
  const lineCounter = new LineCounter();
  // Silent: every warning is reported below, once, as a problem of the file.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'silent' });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problems = [...doc.errors, ...doc.warnings].map((e) => yamlProblem(e, at(e.pos[0])));
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
