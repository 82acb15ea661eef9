// Opens a table for one pass over all of it, outside any database's table cache: the check,
// repair and the dump tool read every block once, to find damage or show contents, so a
// block cache would only churn, and every block's checksum is verified.

import type { FileSystem } from '../vfs/file-system.js'
import { TableReader, type TableReaderOptions } from './table-reader.js'

const UNCACHED: TableReaderOptions = Object.freeze({ blockCache: undefined, cacheId: 0, paranoidChecks: true, search: 'binary' })

/** A reader of the table at path that owns its file (close() closes it); open failures close the file too. */
export function openUncachedTable(fs: FileSystem, path: string): TableReader {
  const file = fs.openRead(path)
  try {
    return TableReader.open(file, path, UNCACHED)
  } catch (err) {
    file.close()
    throw err
  }
}
