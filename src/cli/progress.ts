// A progress bar on stderr for long commands, only when stderr is a terminal: piped or in
// CI the output stays clean.

import cliProgress from 'cli-progress'

export interface Progress {
  update(done: number, total?: number): void
  stop(): void
}

export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} }
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
  bar.start(total, 0)
  return {
    update: (done, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal)
      bar.update(done)
    },
    stop: () => bar.stop(),
  }
}
