import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { z } from 'zod';
import { CloseloopError, messageOf } from '../errors/index.ts';

/** zod's issues as "<file>: <path>: <message>" lines, the form every config problem takes. */
export function issues(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => issueLine(file, i));
}

export function issueLine(file: string, issue: z.core.$ZodIssue): string {
  return `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

export async function readYaml(file: string): Promise<unknown> {
  try {
    return parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CloseloopError('CL_CONFIG_INVALID', `${file}: ${messageOf(err)}`, { cause: err });
  }
}
