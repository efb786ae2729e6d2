// providers: postgres — telemetry is about the cache, not the database; its spans come from the PostgreSQL adapter
/**
 * OpenTelemetry with the SDK's in-memory exporters: span names and attributes, the miss's
 * database query as a child of its `cache.get` span, `cache.put` and `cache.invalidate`, the
 * counters as metrics on the global meter, and nothing at all with `telemetry: false`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cacheExtension } from '../../src/index.js'
import { cachedClient, makeStore, uniqueNamespace } from '../helpers/cached-client.js'
import { countingAdapterFactory, type AroundStatement } from '../helpers/counting-adapter.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { PrismaClient } from '../generated/prisma/client.js'

const spans = new InMemorySpanExporter()
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const meterProvider = new MeterProvider({ readers: [reader] })

let db: TestDatabase
let userId: number

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(tracerProvider)
  metrics.setGlobalMeterProvider(meterProvider)
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })).id
})
afterAll(async () => {
  await db?.drop()
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
  trace.disable()
  metrics.disable()
  context.disable()
})
beforeEach(() => spans.reset())

const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name)
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId

/**
 * A client whose driver adapter wraps every SQL statement in a `db.statement` span: below every
 * extension, so that span's parent shows in whose context the database query really ran.
 */
function tracedClient(kind: 'memory' | 'redis', options: { telemetry?: boolean } = {}) {
  const tracer = trace.getTracer('test')
  const around: AroundStatement = (_query, execute) =>
    tracer.startActiveSpan('db.statement', async (span) => {
      try {
        return await execute()
      } finally {
        span.end()
      }
    })
  const base = new PrismaClient({ adapter: countingAdapterFactory(db.url, around) })
  clients.push(base)
  return base.$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace(), timeouts: { store: 2000 }, ...options }))
}
const clients: PrismaClient[] = []
afterAll(() => Promise.all(clients.map((c) => c.$disconnect())))

describe.each(['memory', 'redis'] as const)('spans on the %s store', (kind) => {
  it('a miss: cache.get with its attributes, the database query and cache.put inside it', async () => {
    const prisma = tracedClient(kind)
    const { info } = await trace.getTracer('test').startActiveSpan('request', async (root) => {
      try {
        return await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
      } finally {
        root.end()
      }
    })
    await prisma.$cache.settle() // a Redis miss stores its entry after returning
    const [get] = named('cache.get')
    expect(named('cache.get')).toHaveLength(1)
    expect(get!.attributes).toMatchObject({ 'cache.hit': false, 'cache.status': 'miss', 'cache.key': info.key, 'prisma.model': 'User', 'prisma.operation': 'findUnique' })
    expect(parentOf(get!)).toBe(named('request')[0]!.spanContext().spanId)
    const [query] = named('db.statement')
    expect(parentOf(query!)).toBe(get!.spanContext().spanId)
    expect(query!.spanContext().traceId).toBe(get!.spanContext().traceId)
    const [put] = named('cache.put')
    expect(parentOf(put!)).toBe(get!.spanContext().spanId)
    expect(put!.attributes).toMatchObject({ 'cache.key': info.key, 'prisma.model': 'User', 'prisma.operation': 'findUnique' })
    expect(put!.attributes['cache.item_size']).toBeGreaterThan(0)
  })

  it('a hit: cache.get with cache.hit true and no database span', async () => {
    const prisma = tracedClient(kind)
    await prisma.user.findMany({ cache: true })
    await prisma.$cache.settle()
    spans.reset()
    await prisma.user.findMany({ cache: true })
    expect(named('cache.get').map((s) => s.attributes)).toEqual([
      expect.objectContaining({ 'cache.hit': true, 'cache.status': 'hit', 'prisma.model': 'User', 'prisma.operation': 'findMany' }),
    ])
    expect(named('cache.get')[0]!.attributes['cache.item_size']).toBeGreaterThan(0)
    expect(named('db.statement')).toHaveLength(0)
    expect(named('cache.put')).toHaveLength(0)
  })

  it('an invalidation: cache.invalidate with its tags', async () => {
    const prisma = tracedClient(kind)
    await prisma.user.update({ where: { id: userId }, data: { name: 'Ada L.' } })
    await prisma.$cache.invalidate({ tags: ['dashboard'] })
    const invalidations = named('cache.invalidate')
    expect(invalidations).toHaveLength(2)
    expect(invalidations[0]!.attributes['cache.tags']).toEqual(expect.arrayContaining(['m:User']))
    expect(invalidations[0]!.attributes).toMatchObject({ 'prisma.model': 'User', 'prisma.operation': 'update' })
    expect(invalidations[1]!.attributes['cache.tags']).toEqual(['t:dashboard'])
  })

  it('telemetry: false makes no span at all', async () => {
    const prisma = tracedClient(kind, { telemetry: false })
    await prisma.user.count({ cache: true })
    await prisma.user.count({ cache: true })
    expect(named('db.statement')).toHaveLength(1) // one miss; the test's own spans still work
    await prisma.user.update({ where: { id: userId }, data: { name: 'Ada' } })
    expect(spans.getFinishedSpans().filter((s) => s.name.startsWith('cache.'))).toEqual([])
  })
})

it('an in-memory hit answered without Prisma (fast path) still makes its cache.get span', async () => {
  const { prisma } = cachedClient(db, 'memory')
  await prisma.user.findUnique({ where: { id: userId }, cache: true })
  spans.reset()
  const { info } = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
  expect(info.status).toBe('hit')
  expect(named('cache.get').map((s) => s.attributes)).toEqual([expect.objectContaining({ 'cache.hit': true, 'cache.status': 'hit', 'cache.key': info.key })])
})

describe('metrics on the global meter', () => {
  async function collect(namespace: string): Promise<Map<string, { attributes: Record<string, unknown>; value: number }[]>> {
    await reader.forceFlush()
    const out = new Map<string, { attributes: Record<string, unknown>; value: number }[]>()
    const last = metricExporter.getMetrics().at(-1)
    for (const scope of last?.scopeMetrics ?? []) {
      if (scope.scope.name !== 'prisma-query-cache') continue
      for (const metric of scope.metrics as SumMetricData[]) {
        const points = metric.dataPoints.filter((p) => p.attributes['cache.namespace'] === namespace).map((p) => ({ attributes: p.attributes, value: p.value }))
        out.set(metric.descriptor.name, points)
      }
    }
    return out
  }

  it('exports the stats() counters after a known sequence of reads and writes', async () => {
    const { prisma, namespace } = cachedClient(db, 'redis')
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // miss
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // hit
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // hit
    await prisma.user.count({ cache: true }) // miss
    await prisma.user.update({ where: { id: userId }, data: { name: 'Ada B.' } }) // invalidation
    await prisma.user.count({ cache: true }) // miss
    await prisma.$cache.settle()
    const m = await collect(namespace)
    const reads = (operation: string, status: string) => m.get('pqc.cache.reads')!.find((p) => p.attributes['prisma.operation'] === operation && p.attributes['cache.status'] === status)?.value
    expect(reads('findUnique', 'miss')).toBe(1)
    expect(reads('findUnique', 'hit')).toBe(2)
    expect(reads('count', 'miss')).toBe(2)
    expect(reads('count', 'hit')).toBe(0)
    expect(m.get('pqc.cache.reads')!.every((p) => p.attributes['prisma.model'] === 'User')).toBe(true)
    expect(m.get('pqc.cache.invalidations')![0]!.value).toBe(1)
    expect(m.get('pqc.cache.sets')![0]!.value).toBe(3)
    expect(m.get('pqc.cache.errors')![0]!.value).toBe(0)
    const saved = m.get('pqc.cache.saved_time')!.find((p) => p.attributes['prisma.model'] === 'User')!.value
    expect(saved).toBeCloseTo(prisma.$cache.stats().byModel.User!.savedMs / 1000, 9)
    expect(saved).toBeGreaterThan(0)
  })

  it('exports nothing for a client with telemetry: false', async () => {
    const { prisma, namespace } = cachedClient(db, 'memory', { telemetry: false })
    await prisma.user.count({ cache: true })
    await prisma.user.count({ cache: true })
    const m = await collect(namespace)
    for (const points of m.values()) expect(points).toEqual([])
  })
})

it('finds @opentelemetry/api when the app runs from a directory without it (from the library\'s own location)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pqc-otel-'))
  try {
    const module = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../${path}`, import.meta.url)))
    const script = `import { Telemetry } from ${module('src/telemetry/otel.ts')}; import { CacheEvents } from ${module('src/events.ts')}
      console.log(Telemetry.create(true, new CacheEvents(), 'ns', () => {}) ? 'telemetry on' : 'telemetry off')`
    const loader = fileURLToPath(import.meta.resolve('tsx'))
    const run = spawnSync(process.execPath, ['--import', loader, '--input-type=module', '-e', script], { cwd, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.stdout.trim()).toBe('telemetry on')
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
})
