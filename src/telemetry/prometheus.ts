/**
 * Prometheus metrics through prom-client (an optional peer dependency), fed by `$cache` events.
 * Labels stay bounded: Prisma model names, the eight read operations, three statuses and error
 * codes. Never a key, a tag or an argument value, any of which would grow the series without end.
 *
 *   pqc_cache_reads_total{model,operation,status}   cached reads by how they were answered
 *   pqc_cache_read_duration_seconds{status}         time to serve (hit, stale) / database time (miss)
 *   pqc_cache_invalidations_total{model}            invalidations by the model written or named
 *   pqc_cache_errors_total{kind}                    cache-side failures by error code
 *   pqc_cache_saved_seconds_total{model}            database time the hits saved
 */
import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client'
import type { CacheApi } from '../kv/cache-api.js'
import type { CacheEvent, CacheEventListener, CacheEventName } from '../events.js'

/** Options of {@link prometheusMetrics}. */
export interface PrometheusOptions {
  /** The registry to register the metrics on. @default prom-client's global `register` */
  registry?: Registry
}

/** What {@link prometheusMetrics} returns. */
export interface PrometheusMetrics {
  registry: Registry
  /** Stops feeding the metrics (they stay registered). */
  close(): void
}

/** Seconds: from an in-memory hit (tens of microseconds) to a slow query. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** Invalidations naming only user tags are counted under this model label. */
export const TAGS_ONLY_MODEL = '(tags)'

/**
 * Registers the cache's metrics on `registry` and feeds them from the events of `prisma.$cache`.
 * Several clients may share one registry: the metrics are registered once and added up.
 */
export function prometheusMetrics(prisma: { $cache: Pick<CacheApi, 'on' | 'off'> }, options: PrometheusOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? defaultRegistry
  const reads = metric(registry, 'pqc_cache_reads_total', () => new Counter({ name: 'pqc_cache_reads_total', help: 'Cached Prisma reads by model, operation and status (hit, miss, stale).', labelNames: ['model', 'operation', 'status'], registers: [registry] }))
  const duration = metric(registry, 'pqc_cache_read_duration_seconds', () => new Histogram({ name: 'pqc_cache_read_duration_seconds', help: 'Seconds to serve a hit or stale read from the cache; for a miss, the seconds its database query took.', labelNames: ['status'], buckets: DURATION_BUCKETS, registers: [registry] }))
  const invalidations = metric(registry, 'pqc_cache_invalidations_total', () => new Counter({ name: 'pqc_cache_invalidations_total', help: 'Invalidations by the Prisma model written (or named in $cache.invalidate).', labelNames: ['model'], registers: [registry] }))
  const errors = metric(registry, 'pqc_cache_errors_total', () => new Counter({ name: 'pqc_cache_errors_total', help: 'Cache-side failures by error code (queries still answered from the database).', labelNames: ['kind'], registers: [registry] }))
  const saved = metric(registry, 'pqc_cache_saved_seconds_total', () => new Counter({ name: 'pqc_cache_saved_seconds_total', help: 'Database seconds the hits saved: for each hit, what the last miss of its entry took.', labelNames: ['model'], registers: [registry] }))

  const onRead = (status: 'hit' | 'miss' | 'stale'): CacheEventListener => (event) => {
    reads.inc({ model: event.model ?? '', operation: event.operation ?? '', status })
    if (event.durationMs !== undefined) duration.observe({ status }, event.durationMs / 1000)
    if (event.savedMs && event.model) saved.inc({ model: event.model }, event.savedMs / 1000)
  }
  const listeners: [CacheEventName, CacheEventListener][] = [
    ['hit', onRead('hit')],
    ['miss', onRead('miss')],
    ['stale', onRead('stale')],
    ['invalidate', (event) => { for (const model of invalidatedModels(event)) invalidations.inc({ model }) }],
    ['error', (event) => errors.inc({ kind: event.error?.code ?? 'E_CACHE_INTERNAL' })],
  ]
  for (const [name, listener] of listeners) prisma.$cache.on(name, listener)
  return {
    registry,
    close: () => {
      for (const [name, listener] of listeners) prisma.$cache.off(name, listener)
    },
  }
}

/**
 * The models an invalidation is counted under: the written model when the event names one (a
 * transaction emits one event per model it wrote); else the models of its model tags (`m:<Model>`:
 * `$cache.invalidate({ models })`, raw SQL); user tags alone count as {@link TAGS_ONLY_MODEL}.
 */
export function invalidatedModels(event: CacheEvent): string[] {
  if (event.model !== undefined) return [event.model]
  const models = new Set<string>()
  for (const tag of event.tags ?? []) if (tag.startsWith('m:')) models.add(tag.slice(2))
  return models.size === 0 ? [TAGS_ONLY_MODEL] : [...models]
}

/** The metric already registered under `name` (another client's), or a new one. */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create()
}
