// The file that marks a checkpoint still being built (checkpoint.ts). It is the first file
// written into the checkpoint's temporary directory and removed just before that directory
// is renamed to the target, so a directory holding it is never a usable store: open refuses it.

import { joinPath } from '#runtime'
import { invalidArgument, type ShaleError } from '../errors.js'

export const CHECKPOINT_MARKER = 'CHECKPOINT-INCOMPLETE'

/** The error for opening a directory that holds the marker. */
export function incompleteCheckpoint(dir: string): ShaleError {
  return invalidArgument(
    `Cannot open ${dir}: it is an unfinished checkpoint (${joinPath(dir, CHECKPOINT_MARKER)} is there), left by a checkpoint that was interrupted or is still running; delete it, or take the checkpoint again, which clears it`,
  )
}
