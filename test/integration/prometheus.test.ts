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
import { holdSelects } from '../helpers/hold.js'
import { waitFor } from '../helpers/redis-server.js'

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

  it('reads_total adds up to stats(): an swr refresh is no miss, and reads that joined a fill are', async () => {
    const { prisma } = cachedClient(db, kind)
    const registry = new Registry()
    prometheusMetrics(prisma, { registry })
    db.executions.reset()
    await prisma.user.findMany({ cache: { ttl: 0, swr: 60 } }) // miss
    for (let i = 0; i < 3; i++) {
      await prisma.user.findMany({ cache: { ttl: 0, swr: 60 } }) // stale, refreshed in the background
      await prisma.$cache.settle()
    }
    await Promise.all(Array.from({ length: 5 }, () => prisma.user.count({ cache: true }))) // 1 query, 5 misses
    expect(db.executions.reads).toBe(1 + 3 + 1)
    const byModel = prisma.$cache.stats().byModel.User!
    expect(byModel).toMatchObject({ misses: 6, stale: 3 })
    const reads = (operation: string, status: string) => value(registry, 'pqc_cache_reads_total', { model: 'User', operation, status })
    expect([await reads('findMany', 'miss'), await reads('findMany', 'stale'), await reads('count', 'miss')]).toEqual([1, 3, 5])
    // The duration histogram has one miss per database query a read waited for (no refresh, no joiner).
    expect(await value(registry, 'pqc_cache_read_duration_seconds_count', { status: 'miss' })).toBe(2)
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

it('a read that waited on another process\'s stampede lock is a miss in reads_total, as in stats()', async () => {
  const first = cachedClient(db, 'redis')
  const second = cachedClient(db, 'redis', { namespace: first.namespace }) // another process, same Redis namespace
  const registry = new Registry()
  prometheusMetrics(first.prisma, { registry })
  prometheusMetrics(second.prisma, { registry })
  const hold = holdSelects(db, '"User"')
  const filling = Promise.resolve(first.prisma.user.count({ where: { email: { contains: '@' } }, cache: true })) // started: a Prisma promise runs on then()
  await hold.arrived
  const waiting = Promise.resolve(second.prisma.user.count({ where: { email: { contains: '@' } }, cache: true }))
  await waitFor(() => second.prisma.$cache.stats().lockWaits === 1, 'the second client did not wait on the lock')
  hold.release()
  await Promise.all([filling, waiting])
  expect([first.prisma.$cache.stats().misses, second.prisma.$cache.stats().misses]).toEqual([1, 1])
  expect(await value(registry, 'pqc_cache_reads_total', { model: 'User', operation: 'count', status: 'miss' })).toBe(2)
  expect(await value(registry, 'pqc_cache_read_duration_seconds_count', { status: 'miss' })).toBe(1)
})
