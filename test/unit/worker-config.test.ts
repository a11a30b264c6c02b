import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Worker } from '../../src/worker/worker.ts';

const logger = createLogger({ level: 'silent' });

describe('worker configuration', () => {
  it('accepts the shipped config with its connectors', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(config.connectors.map((c) => c.name)).toEqual(['crm-rest', 'posse']);
    expect(() => new Worker({ config, logger })).not.toThrow();
  });

  it('reports an unknown connector and every bad connector setting together, before starting anything', async () => {
    const base = await loadConfig('config/closeloop.yaml', {});
    const config = {
      ...base,
      connectors: [
        { name: 'maximo', source: true, sink: true, pollIntervalMs: 250, maxInFlight: 16, config: {} },
        {
          name: 'crm-rest',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: 'not a url' },
        },
        {
          name: 'posse',
          source: true,
          sink: true,
          pollIntervalMs: 250,
          maxInFlight: 16,
          config: { baseUrl: 'http://x', jurisdiction: 'b', departments: [] },
        },
      ],
    };
    let err: unknown;
    try {
      new Worker({ config, logger });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CloseloopError);
    const text = ((err as CloseloopError).details['problems'] as string[]).join('\n');
    expect(text).toContain('unknown connector maximo');
    expect(text).toContain('crm-rest: baseUrl');
    expect(text).toContain('crm-rest: jurisdiction');
    expect(text).toContain('posse: departments');
  });
});
