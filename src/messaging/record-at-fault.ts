import { isCloseloopError } from '../errors/index.ts';

/**
 * Whether a record read back for state is itself at fault: its bytes (not the wire format, a
 * body that does not decode), another schema's record, or a value no state can be made of
 * (anything thrown that is not a CloseloopError). Such a record, written by something other than
 * the bridge, is passed over by its readers. Anything the registry says (an unknown schema id, a
 * refusal, a schema it cannot give) is not: a registry that was emptied or replaced would
 * otherwise have every record passed over, and the reader would carry on as if the topic were
 * empty.
 */
export function recordAtFault(err: unknown): boolean {
  if (!isCloseloopError(err)) return true;
  if (err.code === 'CL_SCHEMA_MISMATCH' || err.code === 'CL_RECORD_INVALID') return true;
  return err.code === 'CL_DECODE_MALFORMED' && err.details['schemaUnreadable'] !== true;
}
