/**
 * `prisma-query-cache stats`: entries, bytes and TTLs of the namespace per model and operation.
 * SCAN in batches, each batch's MEMORY USAGE and PTTL in one pipeline; a few batches in flight
 * at once. Only the running totals are kept, so memory stays flat whatever the keyspace size.
 */
import type { Redis } from 'ioredis'
import { escapeGlob } from '../stores/redis-driver.js'
import { describeKey, KIND_LABELS } from './keys.js'
import { emit, formatBytes, formatMs, progress, table, type GlobalOptions } from './output.js'
import { execPipeline, redact, scanBatches } from './redis.js'

/** Totals of one (model, operation) pair, or of one kind of non-entry key. */
export interface StatsGroup {
  /** `entry`, `kv`, `version`, `lock` or `other`. */
  kind: string
  model?: string
  operation?: string
  keys: number
  bytes: number
  /** Remaining TTL in ms over the keys that have one. */
  ttlMs: { min: number; avg: number; max: number } | null
  /** Keys without a TTL (the library never writes one; a foreign key may be). */
  withoutTtl: number
}

/** The `--json` output of `stats`. */
export interface StatsReport {
  redis: string
  namespace: string
  keys: number
  bytes: number
  groups: StatsGroup[]
  /** Keys in the whole database when the scan started (what SCAN walks). */
  databaseKeys: number
  durationMs: number
}

const IN_FLIGHT = 8

interface Totals { keys: number; bytes: number; ttlMin: number; ttlMax: number; ttlSum: number; withTtl: number; withoutTtl: number }

/** Scans the namespace and totals it. */
export async function stats(client: Redis, options: GlobalOptions): Promise<StatsReport> {
  const started = performance.now()
  const databaseKeys = await client.dbsize()
  const bar = progress(options, 'stats', databaseKeys, 'keys scanned')
  const groups = new Map<string, { kind: string; model?: string; operation?: string; totals: Totals }>()
  const pending = new Set<Promise<void>>()
  try {
    for await (const keys of scanBatches(client, escapeGlob(options.namespace) + ':*', (n) => bar.increment(n))) {
      const work = measure(client, keys).then((rows) => {
        keys.forEach((key, i) => add(groups, options.namespace, key, rows[i]!))
      })
      pending.add(work)
      void work.finally(() => pending.delete(work)).catch(() => {})
      if (pending.size >= IN_FLIGHT) await Promise.race(pending)
    }
    await Promise.all(pending)
  } finally {
    bar.stop()
  }
  const list = [...groups.values()].map(({ kind, model, operation, totals: t }) => ({
    kind,
    ...(model !== undefined && { model, operation }),
    keys: t.keys,
    bytes: t.bytes,
    ttlMs: t.withTtl === 0 ? null : { min: t.ttlMin, avg: Math.round(t.ttlSum / t.withTtl), max: t.ttlMax },
    withoutTtl: t.withoutTtl,
  }))
  list.sort((a, b) => order(a) - order(b) || (a.model ?? '').localeCompare(b.model ?? '') || (a.operation ?? '').localeCompare(b.operation ?? ''))
  return {
    redis: redact(options.redis),
    namespace: options.namespace,
    keys: list.reduce((n, g) => n + g.keys, 0),
    bytes: list.reduce((n, g) => n + g.bytes, 0),
    groups: list,
    databaseKeys,
    durationMs: Math.round(performance.now() - started),
  }
}

/** Prints a {@link StatsReport}. */
export function printStats(options: GlobalOptions, report: StatsReport): void {
  emit(options, report, () => {
    const ttl = (ms: number | undefined) => (ms === undefined ? '-' : formatMs(ms))
    const rows = report.groups.map((g) => [
      g.kind === 'entry' ? g.model! : KIND_LABELS[g.kind as keyof typeof KIND_LABELS],
      g.operation ?? '',
      g.keys.toLocaleString('en-US'),
      formatBytes(g.bytes),
      ttl(g.ttlMs?.min),
      ttl(g.ttlMs?.avg),
      ttl(g.ttlMs?.max),
    ])
    return [
      `namespace "${report.namespace}" on ${report.redis}: ${report.keys.toLocaleString('en-US')} keys, ${formatBytes(report.bytes)}`,
      '',
      report.groups.length === 0 ? '(no keys)' : table(['model', 'operation', 'keys', 'bytes', 'ttl min', 'ttl avg', 'ttl max'], rows, 'llrrrrr'),
      '',
      `scanned ${report.databaseKeys.toLocaleString('en-US')} keys of the database in ${formatMs(report.durationMs)}`,
    ].join('\n')
  })
}

async function measure(client: Redis, keys: string[]): Promise<[bytes: number, ttlMs: number][]> {
  const pipeline = client.pipeline()
  for (const key of keys) {
    pipeline.memory('USAGE', key)
    pipeline.pttl(key)
  }
  const results = await execPipeline(pipeline)
  return keys.map((_, i) => [Number(results[2 * i] ?? 0), Number(results[2 * i + 1])])
}

function add(groups: Map<string, { kind: string; model?: string; operation?: string; totals: Totals }>, namespace: string, key: string, [bytes, ttlMs]: [number, number]): void {
  if (ttlMs === -2) return // expired between SCAN and PTTL
  const info = describeKey(namespace, key)
  const id = info.kind === 'entry' ? `e\0${info.model}\0${info.operation}` : info.kind
  let group = groups.get(id)
  if (!group) {
    group = { kind: info.kind, ...(info.model !== undefined && { model: info.model, operation: info.operation! }), totals: { keys: 0, bytes: 0, ttlMin: Infinity, ttlMax: 0, ttlSum: 0, withTtl: 0, withoutTtl: 0 } }
    groups.set(id, group)
  }
  const t = group.totals
  t.keys++
  t.bytes += bytes
  if (ttlMs < 0) {
    t.withoutTtl++
    return
  }
  t.withTtl++
  t.ttlSum += ttlMs
  if (ttlMs < t.ttlMin) t.ttlMin = ttlMs
  if (ttlMs > t.ttlMax) t.ttlMax = ttlMs
}

function order(group: { kind: string }): number {
  return ['entry', 'kv', 'version', 'lock', 'other'].indexOf(group.kind)
}
