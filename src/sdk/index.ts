/**
 * The one module a connector may import: the source, sink and lookup interfaces, config parsing, the
 * error rule for HTTP failures, the canonical record types, and the simulator kit.
 */
export {
  defineConnector,
  type ConnectorContext,
  type ConnectorDefinition,
  type Health,
  type Lookup,
  type RejectedRecord,
  type Sink,
  type Source,
  type SourceBatch,
  type SourceRecord,
  type SourceWarning,
  type TicketObservation,
  type WorkOrderRef,
} from './connector.ts';
export { baseUrlSetting, maxResponseBytesSetting, parseConnectorConfig } from './config.ts';
export { rawField, readChanges, sequenceAdvances, sequenceCursorProblem, type ChangeReader } from './changes.ts';
export { cutForWarning, LastingWarning, quotedValue, WARN_FOR_MS } from './lasting-warning.ts';
export { FeedPosition, positionAdvances, positionProblem, type PositionLimits } from './seq-feed/position.ts';
export { holeWaitSecondsSchema, seqPageSizeSchema } from './seq-feed/config.ts';
export { pageEnd, seqOf } from './seq-feed/page.ts';
export {
  HOLE_PAGES,
  MAX_REMEMBERED,
  positionLimits,
  seqFeedPoll,
  type SeqFeed,
  type SeqPage,
} from './seq-feed/poll.ts';
export { hasOffset, instantIn, instantOf, instantSchema, withOffsetIn } from './dates.ts';
export { timeZoneProblem, timeZoneSchema } from './time-zone.ts';
export { classifyHttpError, malformedResponse, type HttpFailure } from './errors.ts';
export {
  headerValue,
  pathSegment,
  HttpCallError,
  HttpClient,
  BAD_RESPONSE,
  RESPONSE_TOO_LARGE,
  RESPONSE_UNDECODABLE,
  type CallAbout,
  type CallOptions,
  type HttpAnswer,
  type HttpClientOptions,
} from './http-client.ts';
export { CloseloopError, isCloseloopError, sleep } from '../errors/index.ts';
export type { Logger } from '../observability/logger.ts';
export type {
  Channel,
  ClosureReason,
  PublicLocation,
  RequestKind,
  CrmTicketEvent,
  Envelope,
  TicketStatusChange,
  WorkOrderCommand,
  WorkOrderEvent,
} from '../domain/index.ts';
export { BRIDGE_ORIGIN, CLOSURE_REASONS, RECONCILE_ORIGIN } from '../domain/index.ts';
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
export { WebhookBell, webhookTargetSchema, type WebhookTarget } from './simulator/webhook.ts';
export { ChangeCorruptor, corruptionSchema, type Corruption } from './simulator/corrupt.ts';
export { configReference } from './docs.ts';
export { callJson, healthFrom, lookupJson, sendJson } from './http.ts';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.ts';
