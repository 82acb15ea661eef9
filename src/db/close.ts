// Closing a database: stop taking work, let flushes and compactions finish, make every
// write durable, then close the files and release the directory lock. Every release step
// runs even when an earlier one fails (a log's last append can hit a full disk): the lock,
// above all, must be released, or the store stays locked until the process exits.

import { yieldToLoop } from '#runtime'
import type { DbHandle } from './db-handle.js'

/** Runs the close sequence; rejects with the first failure, after every step has run. */
export async function closeHandle(handle: DbHandle): Promise<void> {
  const { writer } = handle
  writer?.writes.stopLogFlushTimer()
  // Feeds waiting for writes end (with CLOSED) rather than wait forever.
  writer?.changes.close()
  handle.reads.closeIterators()
  handle.snapshots.releaseAll()
  let failure: unknown
  try {
    await writer?.idle()
    await handle.commit.drain()
    // A clean close makes every write durable, even one made without sync: closing is
    // where users expect their data to be safe, and it costs one fsync.
    if (!handle.errors.error && writer !== undefined) await handle.commit.sync()
  } catch (err) {
    failure = err
  }
  const steps = [...(writer?.writes.closeLogs() ?? []), () => handle.follower?.close(), () => handle.tables.close(), () => handle.versions.close(), () => writer?.releaseLock()]
  for (const step of steps) {
    try {
      step()
    } catch (err) {
      failure ??= err
    }
  }
  await yieldToLoop()
  if (failure !== undefined) throw failure
}
