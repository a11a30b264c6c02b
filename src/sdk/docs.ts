import { z } from 'zod';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
}

/** A Markdown reference of a connector's config, generated from its zod schema (the one source). */
export function configReference(name: string, description: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const rows = Object.entries(json.properties ?? {}).map(([key, p]) => {
    const type =
      p.type === 'array' ? `${p.items?.type ?? 'value'}[]` : String(p.type ?? (p.format ? 'string' : 'value'));
    const limits = [
      p.format,
      p.minimum !== undefined ? `≥ ${p.minimum}` : null,
      p.maximum !== undefined ? `≤ ${p.maximum}` : null,
    ]
      .filter(Boolean)
      .join(', ');
    const dflt = p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : required.has(key) ? 'required' : '';
    return `| \`${key}\` | ${type}${limits ? ` (${limits})` : ''} | ${dflt} | ${p.description ?? ''} |`;
  });
  return [
    `## ${name}`,
    '',
    description,
    '',
    '| setting | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
