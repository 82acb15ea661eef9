// checkpoint: a hot backup of a store into a new directory. It opens the store read-only, so it
// works beside the application that writes it; the copy is of what that open saw.

import type { Command } from 'commander'
import { printJson } from '../format.js'
import { withDb } from '../open-db.js'

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)

export function registerCheckpoint(program: Command): void {
  program
    .command('checkpoint')
    .description('write an openable copy of the store (hot backup) to a new or empty directory; tables are hard-linked where possible')
    .argument('<db>', 'database directory')
    .argument('<dir>', 'where the checkpoint goes: must not exist, or be empty')
    .option('--json', 'print the result as JSON')
    .action(async (location: string, dir: string, o: { json?: boolean }) => {
      const started = performance.now()
      const result = await withDb(location, (db) => db.checkpoint(dir))
      const seconds = (performance.now() - started) / 1000
      if (o.json) return printJson({ ...result, seconds })
      process.stdout.write(
        `checkpoint at sequence ${result.sequence} in ${result.location} (${seconds.toFixed(2)} s): ${result.tables} tables (${result.linked} linked, ${mib(result.linkedBytes)} MiB shared; ${result.copied} copied), ${result.logs} logs, ${mib(result.bytes)} MiB written\n`,
      )
    })
}
