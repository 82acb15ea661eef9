// The shape of the tree: how many levels it has. Level 0 holds flushed memtables and the
// last level the oldest data. Every layer that walks, picks or validates levels counts them
// from here.

/**
 * Levels in the tree. A MANIFEST records each table's level and a reader refuses one at or
 * beyond this count, so lowering it would make existing databases unreadable.
 */
export const NUM_LEVELS = 7
