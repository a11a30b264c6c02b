import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { CloseloopError, messageOf } from '../errors/index.ts';

/** A file's identity: the same dev and inode is the same file, whatever path (link) names it. */
async function identity(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch {
    // A path that cannot be stat'ed is no file the rejects report could overwrite; whether it
    // can be read or written is told by the check or the open that uses it.
    return null;
  }
}

/**
 * The input --rejects would overwrite, or null. The report is opened for writing (truncated)
 * before the export is read, so a --rejects naming the export (or its mapping) would destroy it,
 * dry run or not. An ordinary earlier report is no input: a re-run overwrites it.
 */
export async function rejectsOverwritesInput(
  rejects: string,
  inputs: readonly { readonly option: string; readonly file: string }[],
): Promise<string | null> {
  const target = await identity(rejects);
  if (target === null) return null;
  for (const input of inputs) {
    const s = await identity(input.file);
    if (s !== null && s.dev === target.dev && s.ino === target.ino) return input.option;
  }
  return null;
}

/**
 * Throws CL_IMPORT_UNREADABLE, as importFile would, when the export cannot be read: checked
 * before a real import connects to Kafka and creates topics, so a mistyped path is told as
 * what it is rather than as whatever the connection does.
 */
export async function requireReadableExport(file: string): Promise<void> {
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new Error('EISDIR: a directory, not an export');
    await access(file, constants.R_OK);
  } catch (err) {
    throw new CloseloopError('CL_IMPORT_UNREADABLE', `${file}: ${messageOf(err)}`, { cause: err });
  }
}
