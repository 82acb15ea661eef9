#!/usr/bin/env node
// The `shale` command: look inside and maintain a Shale database, like LevelDB's ldb and
// RocksDB's sst_dump. Errors print one line and exit 1.

import { Command } from 'commander'
import { registerBench } from './commands/bench.js'
import { registerData } from './commands/data.js'
import { registerDump } from './commands/dump.js'
import { registerMaintenance } from './commands/maintenance.js'
import { registerTransfer } from './commands/transfer.js'

const program = new Command()
program.name('shale').description('Inspect and maintain Shale databases').version('0.1.0').showHelpAfterError()
registerData(program)
registerMaintenance(program)
registerDump(program)
registerTransfer(program)
registerBench(program)

try {
  await program.parseAsync()
} catch (err) {
  const code = (err as { code?: string }).code
  process.stderr.write(`shale: ${code && !code.startsWith('commander.') ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
}
