import { crmRest } from '../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../connectors/crm-rest/config.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { SourceRunner, type SourceRunnerOptions } from '../../src/runtime/index.ts';
import { parseConnectorConfig, type CrmTicketEvent } from '../../src/sdk/index.ts';

/** What a test sets of the runner: the source and its cursor's name are crmSourceRunner's. */
export type CrmRunnerOptions = Omit<SourceRunnerOptions<CrmTicketEvent>, 'connector' | 'cursorKey' | 'source'>;

/**
 * The crm-rest source of jurisdiction `testville` over a CRM simulator (token `tok`) at baseUrl,
 * with the connector's other settings where a test gives them. A new source each call, as a
 * worker starting again makes one.
 */
export function crmSource(baseUrl: string, logger: Logger, settings: Record<string, unknown> = {}) {
  const config = parseConnectorConfig('crm-rest', crmRestConfig, { baseUrl, jurisdiction: 'testville', ...settings });
  const source = crmRest.source?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
  if (!source) throw new Error('crm-rest has no source');
  return source;
}

/** A source runner over crmSource, its cursor named as a worker names crm-rest's for testville. */
export function crmSourceRunner(
  baseUrl: string,
  options: CrmRunnerOptions,
  settings: Record<string, unknown> = {},
): SourceRunner<CrmTicketEvent> {
  return new SourceRunner({
    connector: 'crm-rest',
    cursorKey: 'crm-rest:testville',
    source: crmSource(baseUrl, options.logger, settings),
    ...options,
  });
}
