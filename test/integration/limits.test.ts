/**
 * Limits that a test can show quickly (the large-memory ones are in `npm run bench:limits`):
 * - a Redis at `maxmemory`, under every eviction policy, never produces a stale read, even in
 *   another process than the writer's: evicting an entry or a version key only makes misses;
 * - invalidating a tag that 100,000 entries depend on is one O(1) operation (commands counted);
 * - a `memoryStore` stays within `maxBytes` under a flood of large values.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore, redisStore, type CacheEvent } from '../../src/index.js'
import { cachedClient, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { commandCounts, startRedisServer, type RedisServer } from '../helpers/redis-server.js'

let db: TestDatabase
let server: RedisServer
beforeAll(async () => {
  ;[db, server] = await Promise.all([createTestDatabase(), startRedisServer()])
  await db.prisma.product.createMany({ data: Array.from({ length: 20 }, (_, i) => ({ sku: `E-${i}`, name: `Eviction ${i}`, price: '1.00' })) })
})
afterAll(async () => {
  await server?.stop()
  await db?.drop()
})

const select = { id: true, sku: true, name: true } as const
const truth = () => db.sql<{ id: number; sku: string; name: string }>(`SELECT id, sku, name FROM "Product" WHERE sku LIKE 'E-%' ORDER BY id`)

/** A cache "process": its own connection and extension instance, sharing `namespace`. */
async function processOn(namespace: string) {
  const client: Redis = await server.connect()
  const { prisma } = cachedClient(db, 'redis', { store: redisStore({ client }), namespace })
  const errors: CacheEvent[] = []
  prisma.$cache.on('error', (event) => errors.push(event))
  return { prisma, errors }
}

const POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']

describe('Redis at maxmemory', () => {
  it.each(POLICIES)('%s: reads in another process never return data older than a resolved write', async (policy) => {
    const namespace = uniqueNamespace()
    const writer = await processOn(namespace)
    const reader = await processOn(namespace)
    const used = Number(/used_memory:(\d+)/.exec(await server.cli('info', 'memory'))![1])
    await server.cli('config', 'set', 'maxmemory-policy', policy)
    await server.cli('config', 'set', 'maxmemory', String(used + 512 * 1024))
    try {
      const filler = randomBytes(20_000).toString('base64')
      for (let round = 0; round < 40; round++) {
        // Fill memory with unrelated entries (each a value of ~27 KB), then write and read.
        await Promise.all(Array.from({ length: 5 }, (_, i) => writer.prisma.$cache.set(`fill-${round}-${i}`, filler)))
        const sku = `E-${round % 20}`
        await writer.prisma.product.update({ where: { sku }, data: { name: `Eviction ${round} (${policy})` } })
        const list = await reader.prisma.product.findMany({ where: { sku: { startsWith: 'E-' } }, select, orderBy: { id: 'asc' }, cache: true })
        expect(list).toEqual(await truth())
        const one = await reader.prisma.product.findUnique({ where: { sku }, select, cache: true })
        expect(one?.name).toBe(`Eviction ${round} (${policy})`)
      }
      if (policy !== 'noeviction') expect(Number(/evicted_keys:(\d+)/.exec(await server.cli('info', 'stats'))![1])).toBeGreaterThan(0)
    } finally {
      await server.cli('config', 'set', 'maxmemory', '0')
      await server.cli('flushall') // the test bed's own server
    }
  })
})

describe('tag invalidation', () => {
  it('a tag with 100,000 dependent entries is invalidated by one SET, and they all miss', async () => {
    const client = await server.connect()
    const namespace = uniqueNamespace()
    const { prisma } = cachedClient(db, 'redis', { store: redisStore({ client }), namespace })
    const kv = prisma.$cache
    const N = 100_000
    // One entry made by the library, then copied under 99,999 more keys: each is a genuine entry
    // recording the tag's version (unsigned entries are not bound to their key).
    await kv.set('entry-0', { n: 0.5 }, { tags: ['popular'] })
    const key = (i: number) => `${namespace}:u:entry-${i}`
    const bytes = (await client.getBuffer(key(0)))!
    for (let start = 1; start < N; start += 10_000) {
      const pipeline = client.pipeline()
      for (let i = start; i < Math.min(N, start + 10_000); i++) pipeline.set(key(i), bytes, 'PX', 60_000)
      await pipeline.exec()
    }
    expect(await kv.get('entry-99999')).toEqual({ n: 0.5 })
    await server.cli('config', 'resetstat')
    await kv.invalidate({ tags: ['popular'] })
    const counts = await commandCounts(server)
    const sent = Object.fromEntries(Object.entries(counts).filter(([command]) => !/^(config|info)/.test(command))) // the test's own
    expect(sent).toEqual({ set: 1, publish: 1 }) // the version SET, and the announcement for tiered processes
    const sample = await kv.getMany(['entry-0', 'entry-50000', 'entry-99999'])
    expect(sample.size).toBe(0)
  }, 120_000)
})

describe('memoryStore({ maxBytes })', () => {
  it('stays within maxBytes under a flood of large values', async () => {
    const maxBytes = 4 * 1024 * 1024
    const store = memoryStore({ maxBytes })
    const { prisma } = cachedClient(db, 'memory', { store, maxEntryBytes: 2 * 1024 * 1024 })
    const big = (i: number) => String(i).padEnd(300_000 + (i % 7) * 50_000, 'x') // 300-600 KB, ×2 bytes per char in memory
    let largest = 0
    for (let i = 0; i < 60; i++) {
      await prisma.$cache.set(`big-${i}`, big(i))
      largest = Math.max(largest, store.byteSize)
      expect(store.byteSize).toBeLessThanOrEqual(maxBytes)
    }
    expect(largest).toBeGreaterThan(maxBytes / 2)
    expect(await prisma.$cache.get('big-59')).toBe(big(59)) // the latest value is there and whole
    expect(await prisma.$cache.get('big-0')).toBeUndefined() // the oldest went
  })
})
