// The two halves of a kill -9 test: a child process that reports progress line by line on
// stdout, and a parent that SIGKILLs it a while after it says "ready".

import { spawn } from 'node:child_process'
import { writeSync } from 'node:fs'

/**
 * In the child: writes one report line. Synchronous, so a report is in the pipe before the
 * next write is issued; the pipe is non-blocking, so when the parent falls behind it retries
 * until the pipe drains.
 */
export function say(line: string): void {
  const bytes = Buffer.from(`${line}\n`)
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(1, bytes, done)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
    }
  }
}

/**
 * In the parent: runs `script` with `args` under this runtime, hands each line it reports
 * to `onLine` as space-separated fields, and SIGKILLs it `killAfterMs` after its "ready".
 * Rejects if the child exits any other way.
 */
export function runUntilKilled(script: string, args: string[], killAfterMs: number, onLine: (fields: string[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buffered = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const fields = line.split(' ')
        if (fields[0] === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        else onLine(fields)
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`child exited with ${code ?? signal} before the kill: ${stderr}`))
    })
  })
}
