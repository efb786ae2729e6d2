// providers: postgres — metrics are about the cache, not the database
/**
 * prometheusMetrics(): metric names, labels and values after a known sequence of reads and
 * writes, on a registry of the test's own.
 */
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prometheusMetrics } from '../../src/telemetry/prometheus.js'
import { cachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number

beforeAll(async () => {
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })).id
})
afterAll(() => db?.drop())

/** The value of one series, 0 when absent. */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const base = name.replace(/_(count|sum|bucket)$/, '')
  const metric = await registry.getSingleMetric(base)!.get()
  const match = metric.values.find((v) => ((v as { metricName?: string }).metricName ?? name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l) && Object.keys(v.labels).length === Object.keys(labels).length)
  return match?.value ?? 0
}

describe.each(['memory', 'redis'] as const)('prometheusMetrics on the %s store', (kind) => {
  it('counts reads, durations, saved time, invalidations and errors', async () => {
    const { prisma, store } = cachedClient(db, kind)
    const registry = new Registry()
    const metrics = prometheusMetrics(prisma, { registry })
    db.executions.reset()
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // miss
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // hit
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // hit
    await prisma.user.count({ cache: true }) // miss
    await prisma.user.count({ cache: true }) // hit
    await prisma.user.update({ where: { id: userId }, data: { name: 'Ada L.' } }) // invalidates User
    await prisma.user.count({ cache: true }) // miss
    await prisma.$cache.invalidate({ tags: ['dashboard'] })
    const { info } = await prisma.user.findMany({ cache: true }).withCacheInfo() // miss
    await store.set(info.key!, 'not an entry', 60_000)
    await prisma.user.findMany({ cache: true }) // corrupt value: error, then miss
    expect(db.executions.reads).toBe(5)

    const text = await registry.metrics()
    for (const name of ['pqc_cache_reads_total', 'pqc_cache_read_duration_seconds', 'pqc_cache_invalidations_total', 'pqc_cache_errors_total', 'pqc_cache_saved_seconds_total']) {
      expect(text).toContain(`# TYPE ${name} `)
    }
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'findUnique', status: 'miss' })).toBe(1)
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'findUnique', status: 'hit' })).toBe(2)
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'count', status: 'miss' })).toBe(2)
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'count', status: 'hit' })).toBe(1)
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'findMany', status: 'miss' })).toBe(2)
    expect(await value(registry, 'pqc_cache_read_duration_seconds_count', { status: 'hit' })).toBe(3)
    expect(await value(registry, 'pqc_cache_read_duration_seconds_count', { status: 'miss' })).toBe(5)
    expect(await value(registry, 'pqc_cache_invalidations_total', { model: 'User' })).toBe(1)
    expect(await value(registry, 'pqc_cache_invalidations_total', { model: '(tags)' })).toBe(1)
    expect(await value(registry, 'pqc_cache_errors_total', { kind: 'E_CACHE_SERIALIZATION' })).toBe(prisma.$cache.stats().errors)
    expect(prisma.$cache.stats().errors).toBeGreaterThan(0)
    const savedMs = prisma.$cache.stats().byModel.User!.savedMs
    expect(savedMs).toBeGreaterThan(0)
    expect(await value(registry, 'pqc_cache_saved_seconds_total', { model: 'User' })).toBeCloseTo(savedMs / 1000, 9)
    expect(text).not.toContain(info.key!)
    metrics.close()
    await prisma.user.count({ cache: true })
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'count', status: 'hit' })).toBe(1)
  })

  it('lets two clients share one registry', async () => {
    const registry = new Registry()
    const a = cachedClient(db, kind).prisma
    const b = cachedClient(db, kind).prisma
    prometheusMetrics(a, { registry })
    prometheusMetrics(b, { registry })
    await a.user.count({ cache: true })
    await b.user.count({ cache: true })
    expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'count', status: 'miss' })).toBe(2)
  })
})
