/**
 * The hit-latency chart, hand-written SVG: one panel per hit workload, one horizontal bar per
 * contestant (p50, log scale, so raw Prisma and a 5 µs hit fit on one axis).
 */
import { formatTime, statsOf } from './format.js'
import type { RunResults } from './results.js'

const COLORS: Record<string, string> = { baseline: '#9e9e9e', floor: '#607d8b', ours: '#2e7d32', peer: '#c62828' }

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** An SVG bar chart of p50 hit latency per contestant and workload (per read for batched workloads). */
export function hitLatencySvg(r: RunResults): string {
  const workloads = r.workloads.filter((w) => w.group === 'hit')
  const contestants = r.contestants
  const barH = 16
  const gap = 4
  const labelW = 230
  const plotW = 460
  const valueW = 80
  const panelH = 28 + contestants.length * (barH + gap) + 22
  const width = labelW + plotW + valueW + 20
  const height = 40 + workloads.length * panelH
  const values = workloads.flatMap((w) => contestants.map((c) => statsOf(w, c.id)).filter((s) => s !== undefined).map((s) => s.p50 / w.ops))
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 0.01))))
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 1))))
  const x = (ms: number) => labelW + (Math.log10(Math.max(ms, lo) / lo) / Math.log10(hi / lo)) * plotW
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Cache hit latency, p50 per read (log scale; lower is better)</text>`,
  ]
  workloads.forEach((w, wi) => {
    const top = 40 + wi * panelH
    out.push(`<text x="10" y="${top + 16}" font-weight="bold">${escape(w.title)}${w.ops > 1 ? ` (batch p50 / ${w.ops})` : ''}</text>`)
    for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
      const gx = x(decade).toFixed(1)
      out.push(`<line x1="${gx}" y1="${top + 24}" x2="${gx}" y2="${top + panelH - 20}" stroke="#e0e0e0"/>`)
      out.push(`<text x="${gx}" y="${top + panelH - 8}" text-anchor="middle" fill="#757575" font-size="10">${escape(formatTime(decade))}</text>`)
    }
    contestants.forEach((c, ci) => {
      const y = top + 26 + ci * (barH + gap)
      out.push(`<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${escape(c.label)}</text>`)
      const s = statsOf(w, c.id)
      if (!s) {
        out.push(`<text x="${labelW + 4}" y="${y + barH - 4}" fill="#757575">n/a</text>`)
        return
      }
      const per = s.p50 / w.ops
      const bw = Math.max(1, x(per) - labelW)
      out.push(`<rect x="${labelW}" y="${y}" width="${bw.toFixed(1)}" height="${barH}" fill="${COLORS[c.kind] ?? '#000'}"/>`)
      out.push(`<text x="${(labelW + bw + 4).toFixed(1)}" y="${y + barH - 4}">${escape(formatTime(per))}</text>`)
    })
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
