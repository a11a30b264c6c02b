export { ERROR_CATALOG, type ErrorCode, type Stage } from './catalog.ts';
export { CloseloopError, isCloseloopError, messageOf, type CloseloopErrorOptions } from './closeloop-error.ts';
