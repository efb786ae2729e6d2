/**
 * `$cache.health()` on healthy and broken stores, and `stats().byModel` (hits, misses, stale,
 * hit rate and database time saved per model) after a known sequence of reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, redisStore, tieredStore, type CacheEvent } from '../../src/index.js'
import { brokenClient, freePort, silentServer } from '../helpers/broken-redis.js'
import { cachedClient, testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number

beforeAll(async () => {
  db = await createTestDatabase()
  const ada = await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })
  await db.prisma.user.create({ data: { email: 'bob@example.com', name: 'Bob' } })
  await db.prisma.category.create({ data: { name: 'Books' } })
  userId = ada.id
})
afterAll(() => db?.drop())

describe('stats().byModel', () => {
  it('counts hits, misses and stale reads per model, with their hit rate', async () => {
    const { prisma } = cachedClient(db, 'redis', { ttl: 60 })
    db.executions.reset()
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // miss
    await prisma.user.findUnique({ where: { id: userId }, cache: true }) // hit
    await prisma.user.findMany({ cache: true }) // miss
    await prisma.user.findMany({ cache: true }) // hit
    await prisma.user.findMany({ cache: true }) // hit
    await prisma.category.count({ cache: true }) // miss
    expect(db.executions.reads).toBe(3)
    const { byModel, hits, misses } = prisma.$cache.stats()
    expect({ hits, misses }).toEqual({ hits: 3, misses: 3 })
    expect(byModel.User).toMatchObject({ hits: 3, misses: 2, stale: 0, hitRate: 3 / 5 })
    expect(byModel.Category).toMatchObject({ hits: 0, misses: 1, stale: 0, hitRate: 0, savedMs: 0 })
    expect(Object.keys(byModel).sort()).toEqual(['Category', 'User'])
  })

  it('counts stale reads (swr) apart from hits', async () => {
    const { prisma } = cachedClient(db, 'memory')
    await prisma.user.count({ cache: { ttl: 0.001, swr: 60 } })
    await new Promise((r) => setTimeout(r, 5))
    const { info } = await prisma.user.count({ cache: { ttl: 0.001, swr: 60 } }).withCacheInfo()
    expect(info.status).toBe('stale')
    expect(prisma.$cache.stats().byModel.User).toMatchObject({ misses: 1, stale: 1, hits: 0, hitRate: 0.5 })
  })

  it.each(['memory', 'redis'] as const)('savedMs adds, for each hit, the database time of the last miss of its entry (%s store)', async (kind) => {
    const { prisma } = cachedClient(db, kind)
    const misses: CacheEvent[] = []
    const hits: CacheEvent[] = []
    prisma.$cache.on('miss', (e) => misses.push(e))
    prisma.$cache.on('hit', (e) => hits.push(e))
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    await prisma.user.findMany({ where: { email: { contains: '@' } }, cache: true })
    for (let i = 0; i < 3; i++) await prisma.user.findUnique({ where: { id: userId }, cache: true })
    await prisma.user.findMany({ where: { email: { contains: '@' } }, cache: true })
    expect(misses).toHaveLength(2)
    expect(hits).toHaveLength(4)
    for (const miss of misses) expect(miss.durationMs).toBeGreaterThan(0)
    const [uniqueMs, manyMs] = misses.map((m) => m.durationMs!)
    expect(hits.map((h) => h.savedMs)).toEqual([uniqueMs, uniqueMs, uniqueMs, manyMs])
    expect(prisma.$cache.stats().byModel.User!.savedMs).toBeCloseTo(3 * uniqueMs! + manyMs!, 6)
  })

  it('read events carry the argument shape, never the values', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const shapes: string[] = []
    prisma.$cache.on('miss', (e) => shapes.push(e.shape!))
    prisma.$cache.on('hit', (e) => shapes.push(e.shape!))
    await prisma.user.findUnique({ where: { email: 'ada@example.com' }, cache: true })
    await prisma.user.findUnique({ where: { email: 'ada@example.com' }, cache: true })
    await prisma.user.findMany({ where: { id: { in: [1, 2, 3] } }, take: 5, cache: true })
    expect(shapes).toEqual(['{where:{email:string}}', '{where:{email:string}}', '{take:number,where:{id:{in:[number]}}}'])
    expect(shapes.join()).not.toContain('ada')
  })
})

describe('$cache.health()', () => {
  it('reports a healthy memory store', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const health = await prisma.$cache.health()
    expect(health).toMatchObject({ ok: true, store: { kind: 'memory', ok: true, breaker: 'closed' } })
    expect(health.bus).toBeUndefined()
  })

  it('reports a healthy Redis store with its latency', async () => {
    const { prisma } = cachedClient(db, 'redis')
    const health = await prisma.$cache.health()
    expect(health).toMatchObject({ ok: true, store: { kind: 'redis', ok: true, breaker: 'closed' } })
    expect(health.store.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('reports the bus of a tiered store', async () => {
    const store = tieredStore({ l2: redisStore({ client: testRedis() }) })
    try {
      const prisma = db.prisma.$extends(cacheExtension({ store, namespace: uniqueNamespace(), timeouts: { store: 2000 } }))
      for (let i = 0; i < 50 && !store.bus.healthy; i++) await new Promise((r) => setTimeout(r, 20))
      expect(await prisma.$cache.health()).toMatchObject({ ok: true, store: { kind: 'tiered', ok: true }, bus: { ok: true } })
    } finally {
      await store.close()
    }
  })

  it('resolves ok: false, without throwing, when nothing listens on the Redis port', async () => {
    const client = brokenClient(await freePort(), false)
    try {
      const prisma = db.prisma.$extends(cacheExtension({ store: redisStore({ client }), namespace: uniqueNamespace(), timeouts: { store: 100 } }))
      const started = Date.now()
      const health = await prisma.$cache.health()
      expect(Date.now() - started).toBeLessThan(100 + 1000)
      expect(health.ok).toBe(false)
      expect(health.store).toMatchObject({ kind: 'redis', ok: false })
      expect(health.store.error).toBeTruthy()
    } finally {
      client.disconnect()
    }
  })

  it('resolves ok: false within timeouts.store when Redis never answers, and shows the breaker once it opened', async () => {
    const server = await silentServer()
    const client = brokenClient(server.port, true)
    try {
      const prisma = db.prisma.$extends(cacheExtension({ store: redisStore({ client }), namespace: uniqueNamespace(), timeouts: { store: 100 }, breaker: { failures: 1, cooldown: 60_000 } }))
      const started = Date.now()
      const health = await prisma.$cache.health()
      expect(Date.now() - started).toBeLessThan(100 + 1000)
      expect(health).toMatchObject({ ok: false, store: { ok: false, breaker: 'closed' } })
      expect(health.store.error).toMatch(/timeouts\.store/)
      await prisma.user.count({ cache: true }) // fails open and trips the breaker
      expect((await prisma.$cache.health()).store.breaker).toBe('open')
    } finally {
      client.disconnect()
      await server.close()
    }
  })
})
