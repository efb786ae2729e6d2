// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * The circuit breaker and retried invalidations, on redis-servers this file owns. Store calls are
 * counted by a thin wrapper that delegates every call to a real redisStore; the outage of one client
 * only (its server keeps the data) is a TCP proxy that drops its connections.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, type CacheEvent, type CacheStore } from '../../src/index.js'
import { cachedClient, uniqueNamespace, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startRedisServer, tcpProxy, waitFor, type RedisServer } from '../helpers/redis-server.js'

const FAILURES = 3
const COOLDOWN_MS = 2500
const STORE_TIMEOUT_MS = 200

let db: TestDatabase
let server: RedisServer
let productId: number
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  db = await createTestDatabase()
  productId = (await db.prisma.product.create({ data: { sku: 'B-1', name: 'first', price: '7.25' } })).id
  server = await startRedisServer()
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await server?.stop()
  await db?.drop()
  expect(unhandled).toEqual([])
})

/** A store that counts the calls of each method, then hands them to `inner`. */
function countingStore(inner: CacheStore): { store: CacheStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {}
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store, calls }
}

const nameInDatabase = async () => (await db.sql<{ name: string }>(`SELECT name FROM "Product" WHERE id = ${productId}`))[0]!.name
const read = (prisma: CachedClient) => prisma.product.findUnique({ where: { id: productId }, select: { id: true, name: true }, cache: true }).withCacheInfo()

describe('circuit breaker', () => {
  it(`after ${FAILURES} consecutive failures the store is not called for the cooldown, then one probe closes it`, async () => {
    const proxy = await tcpProxy(server.port)
    try {
      const { store, calls } = countingStore(redisStore({ client: await server.connect({ port: proxy.port }) }))
      const { prisma } = cachedClient(db, 'redis', { store, timeouts: { store: STORE_TIMEOUT_MS }, breaker: { failures: FAILURES, cooldown: COOLDOWN_MS } })
      await read(prisma)
      expect((await read(prisma)).info.status).toBe('hit')
      proxy.cut()
      const expected = await nameInDatabase()
      const mgets = () => calls.mget ?? 0
      const before = mgets()
      for (let i = 0; i < FAILURES; i++) {
        const { data, info } = await read(prisma)
        expect(info.status).toBe('error')
        expect(data?.name).toBe(expected)
      }
      const openedAt = performance.now()
      expect(mgets() - before, 'each failing read called the store once').toBe(FAILURES)
      const callsWhenOpened = { ...calls }
      for (let i = 0; i < 20; i++) expect((await read(prisma)).data?.name).toBe(expected)
      proxy.restore() // Redis is reachable again, but the breaker is still open
      await sleep(300)
      for (let i = 0; i < 5; i++) expect((await read(prisma)).data?.name).toBe(expected)
      expect(performance.now() - openedAt, 'still inside the cooldown').toBeLessThan(COOLDOWN_MS - 200)
      expect(calls, 'no store call while the breaker is open').toEqual(callsWhenOpened)
      await sleep(COOLDOWN_MS - (performance.now() - openedAt) + 100)
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => read(prisma)))
      for (const { data } of concurrent) expect(data?.name).toBe(expected)
      expect(mgets() - callsWhenOpened.mget!, 'one probe after the cooldown').toBe(1)
      expect(concurrent.map((r) => r.info.status).sort(), 'the probe hit; the others skipped the store').toEqual(['error', 'error', 'error', 'error', 'error', 'error', 'error', 'error', 'error', 'hit'])
      const afterProbe = mgets()
      const statuses = []
      for (let i = 0; i < 5; i++) statuses.push((await read(prisma)).info.status)
      expect(mgets() - afterProbe, 'the successful probe closed the breaker').toBe(5)
      expect(statuses).toEqual(['hit', 'hit', 'hit', 'hit', 'hit'])
    } finally {
      await proxy.close()
    }
  })
})

describe('invalidation while Redis is unreachable', () => {
  it("the write returns and emits error; reads of the model bypass the cache; once Redis is back the retry makes another client's entry fresh", async () => {
    const proxy = await tcpProxy(server.port)
    try {
      const namespace = uniqueNamespace()
      const writer = cachedClient(db, 'redis', { namespace, store: redisStore({ client: await server.connect({ port: proxy.port }) }), timeouts: { store: STORE_TIMEOUT_MS } }).prisma
      const other = cachedClient(db, 'redis', { namespace, store: redisStore({ client: await server.connect() }), timeouts: { store: STORE_TIMEOUT_MS } }).prisma
      await read(other)
      const old = await read(other)
      expect(old.info.status).toBe('hit')
      const errors: CacheEvent[] = []
      writer.$cache.on('error', (event) => errors.push(event))

      proxy.cut()
      const started = performance.now()
      const written = await writer.product.update({ where: { id: productId }, data: { name: 'written-during-outage' } })
      const writeMs = performance.now() - started
      expect(written.name).toBe('written-during-outage')
      expect(writeMs).toBeLessThan(STORE_TIMEOUT_MS + 1000)
      expect(errors.length, 'the failed invalidation emitted error').toBeGreaterThan(0)
      expect(errors.some((e) => e.tags?.length)).toBe(true)
      // The other client still holds the old entry: only the retry can make it fresh.
      expect((await read(other)).data).toEqual(old.data)
      db.executions.reset()
      for (let i = 0; i < 3; i++) {
        const { data, info } = await read(writer)
        expect(info.status).toBe('bypass')
        expect(data?.name).toBe(await nameInDatabase())
      }
      expect(db.executions.total, 'bypassed reads went to the database').toBe(3)

      await sleep(300)
      proxy.restore()
      const restoredAt = performance.now()
      await waitFor(async () => (await read(other)).data?.name === 'written-during-outage', 'the invalidation was not retried', 10_000)
      console.log(`[breaker] write during outage took ${writeMs.toFixed(1)} ms; retried invalidation reached the other client ${(performance.now() - restoredAt).toFixed(0)} ms after Redis came back`)
      await waitFor(async () => (await read(writer)).info.status !== 'bypass', 'the writer kept bypassing the cache')
      expect((await read(writer)).info.status).toBe('hit')
    } finally {
      await proxy.close()
    }
  })
})
