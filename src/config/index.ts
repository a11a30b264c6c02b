export {
  loadConfig,
  loadStatusMapping,
  type CloseloopConfig,
  type ConnectorInstance,
  type StatusApiSettings,
} from './load.ts';
export { closeloopConfigSchema, statusMappingSchema, type Topics } from './schema.ts';
