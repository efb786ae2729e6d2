// providers: postgres — telemetry is about the cache, not the database
/**
 * A tracer or meter that throws (a broken or incompatible OpenTelemetry SDK) never fails a query:
 * reads, writes and invalidations answer as without telemetry, the failure is reported once as a
 * cache-side error, and a miss still stores its entry and releases its stampede lock. Such an SDK
 * cannot be produced otherwise: these providers are fakes registered on the real global API.
 */
import { metrics, trace, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { lockKey } from '../../src/codec/keys.js'
import type { CacheError } from '../../src/index.js'
import { cachedClient, STORE_KINDS, testRedis, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number

beforeAll(async () => {
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })).id
})
afterAll(() => db?.drop())
afterEach(() => {
  trace.disable()
  metrics.disable()
})

function boom(what: string): never {
  throw new Error(`${what} boom`)
}

/** A span whose every method throws. */
const throwingSpan = new Proxy({}, { get: (_t, name) => () => boom(`span.${String(name)}`) }) as Span

const tracers: Record<string, TracerProvider> = {
  'getTracer throws': { getTracer: () => boom('getTracer') },
  'startSpan throws': { getTracer: () => ({ startSpan: () => boom('startSpan'), startActiveSpan: () => boom('startActiveSpan') }) },
  'every span method throws': { getTracer: () => ({ startSpan: () => throwingSpan, startActiveSpan: () => boom('startActiveSpan') }) },
}

const meters: Record<string, MeterProvider> = {
  'createObservableCounter throws': { getMeter: () => ({ createObservableCounter: () => boom('createObservableCounter') }) as never },
  'no addBatchObservableCallback': { getMeter: () => ({ createObservableCounter: () => ({ addCallback() {}, removeCallback() {} }) }) as never },
}

/** A cached client whose reported errors are collected. */
function client(kind: StoreKind) {
  const errors: CacheError[] = []
  const cached = cachedClient(db, kind, { onError: (error) => errors.push(error) })
  return { ...cached, errors }
}

/** A miss, a hit, a write that invalidates and the miss after it: each answers the database's rows. */
async function readsAndWrites(prisma: ReturnType<typeof client>['prisma']): Promise<void> {
  const miss = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
  expect([miss.info.status, miss.data?.name]).toEqual(['miss', 'Ada'])
  await prisma.$cache.settle()
  const hit = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
  expect([hit.info.status, hit.data?.name]).toEqual(['hit', 'Ada'])
  await prisma.user.update({ where: { id: userId }, data: { name: 'Ada B.' } })
  const after = await prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
  expect([after.info.status, after.data?.name]).toEqual(['miss', 'Ada B.'])
  await prisma.user.update({ where: { id: userId }, data: { name: 'Ada' } })
  await prisma.$cache.settle()
}

describe.each(STORE_KINDS)('on the %s store', (kind) => {
  it.each(Object.keys(tracers))('a tracer (%s) fails no query and is reported once', async (name) => {
    const { prisma, errors } = client(kind)
    trace.setGlobalTracerProvider(tracers[name]!)
    await readsAndWrites(prisma)
    await prisma.user.count({ cache: true })
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/OpenTelemetry tracer failed; .*boom/)])
    expect(prisma.$cache.stats().errors).toBe(1)
  })

  it.each(Object.keys(meters))('a meter registered after the client (%s) fails no miss; the entry is stored and its lock released', async (name) => {
    const { prisma, namespace, errors } = client(kind)
    metrics.setGlobalMeterProvider(meters[name]!)
    const { info } = await prisma.user.count({ cache: true }).withCacheInfo()
    expect(info.status).toBe('miss')
    await prisma.$cache.settle()
    if (kind !== 'memory') expect(await testRedis().exists(lockKey(namespace, info.key!))).toBe(0)
    // On Redis, another process on the same namespace finds the entry, not a lock held until lock.ttl.
    const next = kind === 'memory' ? prisma : cachedClient(db, kind, { namespace }).prisma
    expect((await next.user.count({ cache: true }).withCacheInfo()).info.status).toBe('hit')
    await readsAndWrites(prisma)
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/OpenTelemetry meter failed; /)])
  })

  it('a client created while a throwing meter is registered answers its reads', async () => {
    metrics.setGlobalMeterProvider(meters['createObservableCounter throws']!)
    const { prisma, errors } = client(kind)
    await readsAndWrites(prisma)
    expect(errors).toHaveLength(1)
  })
})
