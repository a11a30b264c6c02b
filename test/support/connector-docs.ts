import type { z } from 'zod';
import { connectors } from '../../connectors/index.ts';
import { sinkBreakerSchema, sinkDeliverySchema, sourcePacingSchema } from '../../src/config/index.ts';
import { configReference, type ConnectorDefinition } from '../../src/sdk/index.ts';

export function connectorsReference(): string {
  const parts = Object.values(connectors).map((c) => {
    const def = c as ConnectorDefinition<z.ZodType, unknown, unknown>;
    return configReference(def.name, def.description, def.config);
  });
  return [
    '# Connector configuration',
    '',
    "Generated from each connector's zod schema by `node scripts/connector-docs.ts`; do not edit by hand.",
    'Each entry goes under `connectors:` in `config/closeloop.yaml` as `{ name, source, sink, config }`.',
    'Each connector has one entry: a department connector serves every department its `departments` lists,',
    'and a connector named twice is refused.',
    '',
    configReference(
      'Every instance: source polling',
      'Beside `config`, on the instance itself, for any connector with a source.',
      sourcePacingSchema,
    ),
    configReference(
      'Every instance: sink delivery',
      'Beside `config`, on the instance itself, for any connector with a sink.',
      sinkDeliverySchema,
    ),
    configReference(
      'Every instance: sink breaker',
      'Beside `config`, on the instance itself, for any connector with a sink.',
      sinkBreakerSchema,
    ),
    ...parts,
  ].join('\n');
}
