/** The issue's targets, checked against one run's ratios. */
import { formatRate, formatRatio, formatTime, statsOf } from './format.js'
import type { RunResults, TargetResult, WorkloadResult } from './results.js'

function ratioTarget(w: WorkloadResult, id: string, baseId: string, limit: number, label: string): TargetResult {
  const s = statsOf(w, id)
  const b = statsOf(w, baseId)
  if (!s || !b) return { target: label, measured: 'not measured', met: null }
  const ratio = s.p50 / b.p50
  return { target: label, measured: `${formatTime(s.p50)} vs ${formatTime(b.p50)} = ${formatRatio(ratio)}`, met: ratio <= limit }
}

/** Computes every target of the issue from `r`. */
export function checkTargets(r: Omit<RunResults, 'targets'>): TargetResult[] {
  const hits = r.workloads.filter((w) => w.group === 'hit')
  const targets: TargetResult[] = []
  for (const w of hits) targets.push(ratioTarget(w, 'pqc-memory', 'floor-a', 1.5, `memory-store hit ≤ 1.5× floor A — ${w.title}`))
  for (const w of hits) targets.push(ratioTarget(w, 'pqc-redis', 'floor-b', 1.3, `Redis hit ≤ 1.3× floor B — ${w.title}`))
  const peers = r.contestants.filter((c) => c.kind === 'peer')
  for (const w of hits) {
    for (const ours of ['pqc-memory', 'pqc-redis'] as const) {
      const s = statsOf(w, ours)
      if (!s) continue
      const sameKind = peers.filter((p) => p.usesRedis === (ours === 'pqc-redis'))
      const beaten: string[] = []
      const lost: string[] = []
      for (const peer of sameKind) {
        const p = statsOf(w, peer.id)
        if (!p) continue
        const wins = s.p50 < p.p50 && s.opsPerSec > p.opsPerSec
        const note = p.dbPerCall >= 0.5 ? ' (not cached)' : ''
        ;(wins ? beaten : lost).push(`${peer.label} ${formatTime(p.p50)}/${formatRate(p.opsPerSec)}${note}`)
      }
      if (beaten.length + lost.length === 0) continue
      targets.push({
        target: `faster p50 and higher throughput than every ${ours === 'pqc-redis' ? 'Redis' : 'in-memory'} peer — ${ours}, ${w.title}`,
        measured: `${formatTime(s.p50)}/${formatRate(s.opsPerSec)}; ${lost.length ? `behind ${lost.join(', ')}` : `ahead of ${beaten.join(', ')}`}`,
        met: lost.length === 0,
      })
    }
  }
  const missUnique = r.workloads.find((w) => w.id === 'findUnique-miss')
  const missInclude = r.workloads.find((w) => w.id === 'findMany-include-miss')
  for (const id of ['pqc-memory', 'pqc-redis']) {
    if (missInclude) targets.push(ratioTarget(missInclude, id, 'raw', 1.1, `miss overhead ≤ 10% over raw — findMany + include, ${id}`))
    if (missUnique) targets.push(ratioTarget(missUnique, id, 'raw', 1.15, `miss overhead ≤ 15% over raw — findUnique, ${id}`))
  }
  const key = r.micro.find((m) => m.name.startsWith('entryKey(findMany'))
  if (key) targets.push({ target: 'key derivation < 5 µs (entryKey, findMany + include args, mean)', measured: formatTime(key.stats.mean), met: key.stats.mean < 0.005 })
  return targets
}
