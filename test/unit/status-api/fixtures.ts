import {
  StatusApiServer,
  type ServiceDefinition,
  type StatusProjection,
  type StatusRecord,
} from '../../../src/status-api/index.ts';

/** 2026-10-05T14:03:00Z; record v happened v minutes later. */
export const T0 = Date.UTC(2026, 9, 5, 14, 3, 0);

export function status(ticketId: string, version: number, over: Partial<StatusRecord> = {}): StatusRecord {
  return {
    envelope: {
      eventId: `${ticketId}-v${version}`,
      jurisdiction: 'yeg',
      source: 'closeloop',
      sequence: null,
      occurredAt: T0 + version * 60_000,
      origin: 'closeloop',
      correlationId: null,
    },
    ticketId,
    version,
    crmStatus: 'OPEN',
    lifecycleState: 'ROUTED',
    publicStatusCode: 'ROUTED',
    statusNote: 'Sent to transportation.',
    expectedAt: null,
    closureReason: null,
    closureNote: null,
    duplicateOf: null,
    followUpOf: null,
    agencyResponsible: 'transportation',
    serviceCode: 'POTHOLE',
    priority: 3,
    workOrders: [],
    ...over,
  };
}

export const SERVICES: readonly ServiceDefinition[] = [
  {
    service_code: 'POTHOLE',
    service_name: 'Pothole',
    description: 'A hole in a road or lane.',
    group: 'Roads',
    keywords: ['road', 'pothole'],
  },
  { service_code: 'GRAFFITI', service_name: 'Graffiti', description: 'Graffiti on public property.', group: 'Parks' },
];

export async function startServer(
  projection: StatusProjection,
  over: Partial<ConstructorParameters<typeof StatusApiServer>[0]> = {},
): Promise<{ server: StatusApiServer; base: string }> {
  const server = new StatusApiServer({
    host: '127.0.0.1',
    port: 0,
    projection,
    services: SERVICES,
    jurisdictionId: 'yeg',
    rateLimit: null,
    ...over,
  });
  return { server, base: await server.start() };
}
