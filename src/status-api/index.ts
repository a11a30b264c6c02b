export { StatusProjection, DEFAULT_HISTORY_LIMIT, latest } from './projection.ts';
export type {
  StatusRecord,
  PublicStatus,
  PublicTicket,
  HistoryEntry,
  SlaView,
  StatusProjectionOptions,
} from './projection.ts';
export { toGeoReport, toGeoReportService, geoReportError, isoDateTime } from './georeport.ts';
export type {
  GeoReportRequest,
  GeoReportHistoryEntry,
  GeoReportSla,
  GeoReportParent,
  GeoReportService,
  GeoReportError,
  GeoReportContext,
  ServiceDefinition,
} from './georeport.ts';
export { StatusApiServer, DEFAULT_MAX_IDS_PER_REQUEST } from './server.ts';
export type { StatusApiServerOptions } from './server.ts';
export type { RateLimitOptions } from './rate-limit.ts';
export { scrubPii, REDACTED } from '../domain/pii.ts';
export { StatusFeed, servicesFromRouting } from './feed.ts';
export { startStatusService, type StatusService } from './service.ts';
export { RequestFacts, type RequestFact, type CrmFactSource } from './request-facts.ts';
export { parseSearch, runSearch, SEARCH_WINDOW_MS, MAX_SEARCH_RESULTS } from './search.ts';
export { toXml } from './xml.ts';
export type { SiteHandler, SitePage } from './server.ts';
