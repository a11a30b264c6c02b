/**
 * The one module a connector may import: simulator building blocks now; the source and sink
 * interfaces, config spec and runtime come with the connector work.
 */
export {
  FaultInjector,
  faultSettingsSchema,
  seededRandom,
  type FaultOutcome,
  type FaultSettings,
} from './simulator/faults.ts';
export {
  HttpError,
  SimulatorServer,
  type Handler,
  type SimRequest,
  type SimResponse,
} from './simulator/http-server.ts';
