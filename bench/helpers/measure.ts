/**
 * Round-robin measurement with tinybench: every round is one tinybench run over all contestants
 * (each gets `roundMs`), with the order rotated from round to round, so machine noise lands on
 * every contestant alike. Samples of all rounds are merged before computing percentiles.
 */
import { Bench } from 'tinybench'
import type { QueryCounter } from './database.js'

/** One contestant's part of a round-robin workload. */
export interface Entry {
  id: string
  fn: () => Promise<unknown>
  counter?: QueryCounter
}

/** What one contestant measured. Times in ms. */
export interface Stats {
  samples: number
  p50: number
  p99: number
  mean: number
  /** Operations per second (`ops` per call / mean). */
  opsPerSec: number
  /** Statements that reached PostgreSQL per call while measuring. */
  dbPerCall: number
}

/** A result or why there is none. */
export type Measured = { stats: Stats } | { error: string }

/** The q-quantile of sorted samples (linear interpolation). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** Summarizes samples (ms per call); `ops` operations happen per call. */
export function summarize(samples: readonly number[], ops = 1, dbQueries = 0): Stats {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length
  return { samples: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean, opsPerSec: (ops * 1000) / mean, dbPerCall: dbQueries / sorted.length }
}

/** Runs `entries` round-robin and returns each one's stats. */
export async function roundRobin(entries: readonly Entry[], options: { rounds: number; roundMs: number; ops?: number }): Promise<Map<string, Measured>> {
  const samples = new Map<string, number[]>(entries.map((e) => [e.id, []]))
  const queries = new Map<string, number>(entries.map((e) => [e.id, 0]))
  const errors = new Map<string, string>()
  for (let round = 0; round < options.rounds; round++) {
    const live = entries.filter((e) => !errors.has(e.id))
    const order = live.map((_, i) => live[(i + round) % live.length]!)
    const bench = new Bench({ time: options.roundMs, iterations: 3, warmup: round === 0, warmupTime: Math.min(100, options.roundMs), warmupIterations: 3, retainSamples: true })
    const before = new Map<string, number>()
    for (const entry of order) {
      bench.add(entry.id, entry.fn, {
        beforeAll: (mode) => {
          if (mode === 'run') before.set(entry.id, entry.counter?.queries ?? 0)
        },
        afterAll: (mode) => {
          if (mode === 'run') queries.set(entry.id, queries.get(entry.id)! + (entry.counter?.queries ?? 0) - before.get(entry.id)!)
        },
      })
    }
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state === 'completed' && result.latency.samples) samples.get(task.name)!.push(...result.latency.samples)
      else if (result.state === 'errored') errors.set(task.name, (result.error as Error | undefined)?.message ?? 'errored')
    }
  }
  const out = new Map<string, Measured>()
  for (const entry of entries) {
    const error = errors.get(entry.id)
    const s = samples.get(entry.id)!
    if (error) out.set(entry.id, { error: firstLine(error) })
    else if (s.length === 0) out.set(entry.id, { error: 'no samples' })
    else out.set(entry.id, { stats: summarize(s, options.ops ?? 1, queries.get(entry.id)!) })
  }
  return out
}

/** The first line of an error message, shortened for a table cell. */
export function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim().length > 0)?.trim() ?? message
  return line.length > 90 ? line.slice(0, 87) + '...' : line
}
