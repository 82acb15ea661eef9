// A hand-written SVG chart: horizontal grouped bars (one group per workload, one bar per
// engine) on a linear or log axis. Small enough that a dependency would cost more than it
// saves, and the output is plain text that diffs well in git.

export interface Series {
  name: string
  color: string
}

export interface BarGroup {
  label: string
  /** One value per series name; missing or null means the engine did not run it. */
  values: Record<string, number | null | undefined>
}

export interface BarChart {
  title: string
  /** Axis caption, e.g. "operations per second (log scale)". */
  axis: string
  series: readonly Series[]
  groups: readonly BarGroup[]
  log: boolean
  format(value: number): string
}

const WIDTH = 960
const LABEL_W = 170
const VALUE_W = 70
const BAR_H = 11
const BAR_GAP = 2
const GROUP_GAP = 12
const TOP = 58

const escapeXml = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)

/** Powers of ten (log) or a round step (linear) covering 0..max, for gridlines. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = []
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e)
    return out
  }
  const rough = max / 5
  const mag = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= rough)!
  const out: number[] = []
  for (let t = 0; t <= max + step / 2; t += step) out.push(t)
  return out
}

export function renderBarChart(chart: BarChart): string {
  const all = chart.groups.flatMap((g) => chart.series.map((s) => g.values[s.name])).filter((v): v is number => typeof v === 'number' && v > 0)
  const max = all.length > 0 ? Math.max(...all) : 1
  const min = all.length > 0 ? Math.min(...all) : 1
  const grid = ticks(min, max, chart.log)
  const lo = chart.log ? grid[0]! : 0
  const hi = grid[grid.length - 1]!
  const plotW = WIDTH - LABEL_W - VALUE_W - 20
  const x = (v: number): number => {
    const f = chart.log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1) : v / (hi || 1)
    return LABEL_W + f * plotW
  }
  const groupH = (g: BarGroup): number => chart.series.filter((s) => g.values[s.name] != null).length * (BAR_H + BAR_GAP)
  const height = TOP + chart.groups.reduce((h, g) => h + Math.max(groupH(g), BAR_H) + GROUP_GAP, 0) + 36

  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`)
  out.push(`<rect width="100%" height="100%" fill="white"/>`)
  out.push(`<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`)
  let lx = LABEL_W
  for (const s of chart.series) {
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="37">${escapeXml(s.name)}</text>`)
    lx += 24 + s.name.length * 6.5
  }
  const bottom = height - 30
  for (const t of grid) {
    const gx = x(t).toFixed(1)
    out.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${bottom}" stroke="#ddd"/>`)
    out.push(`<text x="${gx}" y="${bottom + 13}" text-anchor="middle" fill="#555">${escapeXml(chart.format(t))}</text>`)
  }
  out.push(`<text x="${LABEL_W + plotW / 2}" y="${bottom + 27}" text-anchor="middle" fill="#333">${escapeXml(chart.axis)}</text>`)
  let y = TOP
  for (const g of chart.groups) {
    const h = Math.max(groupH(g), BAR_H)
    out.push(`<text x="${LABEL_W - 8}" y="${(y + h / 2 + 4).toFixed(1)}" text-anchor="end" font-weight="bold">${escapeXml(g.label)}</text>`)
    for (const s of chart.series) {
      const v = g.values[s.name]
      if (v == null) continue
      const w = Math.max(1, x(v) - LABEL_W)
      out.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${s.color}"><title>${escapeXml(`${s.name} ${g.label}: ${chart.format(v)}`)}</title></rect>`)
      out.push(`<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR_H - 2}" fill="#333" font-size="9.5">${escapeXml(chart.format(v))}</text>`)
      y += BAR_H + BAR_GAP
    }
    if (groupH(g) === 0) y += BAR_H
    y += GROUP_GAP
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
