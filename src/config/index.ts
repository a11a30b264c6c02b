export {
  loadConfig,
  loadStatusMapping,
  type CloseloopConfig,
  type LoadOptions,
  type StatusApiSettings,
} from './load.ts';
export { routeKey, type ConnectorChecker, type ConnectorInstance, type ConnectorReport } from './connector-routes.ts';
export { sinkBreakerSchema, type SinkBreaker } from './sink-breaker.ts';
export { sinkDeliverySchema, type SinkDelivery } from './sink-delivery.ts';
export { sourcePacingSchema, type SourcePacing } from './source-pacing.ts';
export { TOPIC_KEYS, closeloopConfigSchema, statusMappingSchema, type Topics } from './schema.ts';
export {
  ROLE_KINDS,
  accountableFor,
  loadRoles,
  roleEntries,
  type RoleEntry,
  type RoleHolder,
  type RoleKind,
  type RolesTable,
} from './roles.ts';
