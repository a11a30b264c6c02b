export { loadConfig, loadStatusMapping, type CloseloopConfig } from './load.ts';
export { closeloopConfigSchema, statusMappingSchema, type Topics } from './schema.ts';
