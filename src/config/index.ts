export {
  loadConfig,
  loadStatusMapping,
  type CloseloopConfig,
  type LoadOptions,
  type StatusApiSettings,
} from './load.ts';
export { routeKey, type ConnectorChecker, type ConnectorInstance, type ConnectorReport } from './connector-routes.ts';
export { closeloopConfigSchema, statusMappingSchema, type Topics } from './schema.ts';
