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

/** Our contestants and the peers each is compared with: Redis-only peers, or peers answering from process memory. */
const OURS_VS_PEERS = [
  { ours: 'pqc-redis', memoryPeers: false },
  { ours: 'pqc-memory', memoryPeers: true },
  { ours: 'pqc-memory-frozen', memoryPeers: true },
  { ours: 'pqc-tiered', memoryPeers: true },
  { ours: 'pqc-tiered-frozen', memoryPeers: true },
] as const

/** Computes every target of the issue from `r`. */
export function checkTargets(r: Omit<RunResults, 'targets'>): TargetResult[] {
  const hits = r.workloads.filter((w) => w.group === 'hit')
  const targets: TargetResult[] = []
  for (const w of hits) targets.push(ratioTarget(w, 'pqc-memory', 'floor-a', 1.5, `memory-store hit ≤ 1.5× floor A — ${w.title}`))
  for (const w of hits) targets.push(ratioTarget(w, 'pqc-redis', 'floor-b', 1.3, `Redis hit ≤ 1.3× floor B — ${w.title}`))
  const large = r.workloads.find((w) => w.id.includes('large'))
  if (large) targets.push(ratioTarget(large, 'pqc-tiered', 'pqc-memory', 1.2, `tiered L1 hit ≤ 1.2× memory store — ${large.title}`))
  const peers = r.contestants.filter((c) => c.kind === 'peer')
  for (const w of hits) {
    for (const { ours, memoryPeers } of OURS_VS_PEERS) {
      const s = statsOf(w, ours)
      if (!s) continue
      // A peer answering from process memory is measured against floor A; a Redis-only one against floor B.
      const comparable = peers.filter((p) => (p.floor === 'floor-a') === memoryPeers)
      const beaten: string[] = []
      const lost: string[] = []
      for (const peer of comparable) {
        const p = statsOf(w, peer.id)
        if (!p) continue
        const wins = s.p50 <= p.p50 && s.opsPerSec >= p.opsPerSec
        const note = p.dbPerCall >= 0.5 ? ' (not cached)' : ''
        ;(wins ? beaten : lost).push(`${peer.label} ${formatTime(p.p50)}/${formatRate(p.opsPerSec)}${note}`)
      }
      if (beaten.length + lost.length === 0) continue
      targets.push({
        target: `p50 and throughput at or better than every ${memoryPeers ? 'in-memory' : 'Redis'} peer — ${ours}, ${w.title}`,
        measured: `${formatTime(s.p50)}/${formatRate(s.opsPerSec)}; ${lost.length ? `behind ${lost.join(', ')}` : `ahead of ${beaten.join(', ')}`}`,
        met: lost.length === 0,
      })
    }
  }
  for (const miss of r.workloads.filter((w) => w.group === 'miss')) {
    targets.push(ratioTarget(miss, 'pqc-redis', 'floor-b', 1.0, `Redis-store miss ≤ floor B's miss — ${miss.title}`))
    targets.push(ratioTarget(miss, 'pqc-memory', 'floor-a', 1.1, `memory-store miss ≤ 1.1× floor A's miss — ${miss.title}`))
    targets.push(ratioTarget(miss, 'pqc-tiered', 'pqc-redis', 1.05, `tiered miss ≤ 1.05× Redis miss — ${miss.title}`))
  }
  const key = r.micro.find((m) => m.name.startsWith('entryKey(findMany'))
  if (key) targets.push({ target: 'key derivation < 5 µs (entryKey, findMany + include args, mean)', measured: formatTime(key.stats.mean), met: key.stats.mean < 0.005 })
  return targets
}
