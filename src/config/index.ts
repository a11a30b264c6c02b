export { loadConfig, loadStatusMapping, type CloseloopConfig, type ConnectorInstance } from './load.ts';
export { closeloopConfigSchema, statusMappingSchema, type Topics } from './schema.ts';
