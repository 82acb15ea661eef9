// The real disk without its durability barriers: sync and syncDir return at once. For
// reopening images no test will cut again (power-cut images, say), where an fsync, tens of
// milliseconds on a busy disk, buys nothing.

import type { CreateOptions, FileSystem, WritableFile } from '../../src/vfs/file-system.js'
import { NodeFileSystem } from '../../src/vfs/node-file-system.js'

export class NoSyncFileSystem extends NodeFileSystem implements FileSystem {
  override create(path: string, options?: CreateOptions): WritableFile {
    const file = super.create(path, options)
    return {
      get size() {
        return file.size
      },
      append: (data) => file.append(data),
      sync: async () => {},
      close: () => file.close(),
    }
  }

  override async syncDir(): Promise<void> {}
}
