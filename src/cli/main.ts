#!/usr/bin/env node
// The `shale` command: look inside and maintain a Shale database, like LevelDB's ldb and
// RocksDB's sst_dump. Every error prints one line, `shale: CODE: message`, and exits 1.

import { Command, CommanderError } from 'commander'
import { registerBench } from './commands/bench.js'
import { registerCheckpoint } from './commands/checkpoint.js'
import { registerChanges } from './commands/changes.js'
import { registerData } from './commands/data.js'
import { registerDump } from './commands/dump.js'
import { registerMaintenance } from './commands/maintenance.js'
import { registerTransfer } from './commands/transfer.js'
import { describeFailure, usageFailure } from './failure.js'

const program = new Command()
program.name('shale').description('Inspect and maintain Shale databases').version('0.1.0')
registerData(program)
registerMaintenance(program)
registerCheckpoint(program)
registerDump(program)
registerTransfer(program)
registerChanges(program)
registerBench(program)
// Our own `help [command]`: Commander's prints the whole help for a command it does not know,
// where `shale frob` prints one line; this one fails the same way.
program
  .helpCommand(false)
  .command('help [command]')
  .description('display help for command')
  .action((name: string | undefined) => {
    if (name === undefined) program.help()
    const command = program.commands.find((c) => c.name() === name)
    if (command === undefined) return program.error(`error: unknown command '${name}'`, { code: 'commander.unknownCommand' })
    command.help()
  })
// Commander would print its own error line (and, before, the whole help); ours replaces it.
for (const command of [program, ...program.commands]) {
  command.configureOutput({ outputError: () => {} }).exitOverride((err) => {
    throw usageFailure(err, command)
  })
}

try {
  await program.parseAsync()
} catch (err) {
  if (err instanceof CommanderError) {
    // Help or the version was printed; `shale` alone prints help and exits 1.
    process.exitCode = err.exitCode
  } else {
    const { code, message } = describeFailure(err)
    process.stderr.write(`shale: ${code}: ${message.replace(/\s*\n\s*/g, ' ')}\n`)
    process.exitCode = 1
  }
}
