/**
 * Everything the library asks of Redis, in one run: cached reads (misses, hits, lock waits of two
 * processes on the same key, a stale-while-revalidate refresh), writes that invalidate, explicit
 * invalidation, every key/value operation, and `clear()`. Used to prove a least-privilege ACL
 * suffices (redis-acl.test.ts), that no other command is sent (MONITOR), and that TLS works.
 */
import { once } from 'node:events'
import { Redis, type RedisOptions } from 'ioredis'
import { expect } from 'vitest'
import { cacheExtension, redisStore, tieredStore, type CacheError, type CacheStore } from '../../src/index.js'
import type { TestDatabase } from './database.js'
import { waitFor } from './redis-server.js'

/** The Redis-backed stores. */
export const REDIS_STORE_KINDS = ['redis', 'tiered'] as const
export type RedisStoreKind = (typeof REDIS_STORE_KINDS)[number]

/** Connection options that fail fast, as the library expects. */
export function failFast(options: RedisOptions): RedisOptions {
  return { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => 50, ...options }
}

/** A connected ioredis client (to `url` if given, e.g. `rediss://...`); its errors are the cache's to report. */
export async function connected(options: RedisOptions, url?: string): Promise<Redis> {
  // Not lazyConnect: duplicate() (the tiered bus) copies every option.
  const client = url === undefined ? new Redis(failFast(options)) : new Redis(url, failFast(options))
  client.on('error', () => {})
  if (client.status !== 'ready') await once(client, 'ready')
  return client
}

/**
 * Runs the whole workload as two "processes" (two extension instances with their own
 * connections) sharing `namespace`, checks the results against the database, and resolves
 * every cache-side error either reported. Closes what it opened.
 */
export async function runRedisWorkload(db: TestDatabase, kind: RedisStoreKind, namespace: string, connection: RedisOptions, url?: string): Promise<CacheError[]> {
  const errors: CacheError[] = []
  const clients: Redis[] = []
  const stores: CacheStore[] = []
  const open = async () => {
    const client = await connected(connection, url)
    clients.push(client)
    const l2 = redisStore({ client })
    const store = kind === 'redis' ? l2 : tieredStore({ l2 })
    stores.push(store)
    return db.prisma.$extends(cacheExtension({ store, namespace, timeouts: { store: 2000 }, onError: (e) => errors.push(e), sign: { secret: 'workload' } }))
  }
  try {
    const a = await open()
    const b = await open()
    if (kind === 'tiered') await new Promise((resolve) => setTimeout(resolve, 100)) // bus subscriptions
    const user = await db.prisma.user.create({ data: { email: `${namespace}@example.com`, name: 'Before' } })

    // Misses, then hits; two processes missing the same key at once (stampede lock, a waiter).
    const byId = { where: { id: user.id }, cache: true } as const
    expect((await a.user.findUnique(byId).withCacheInfo()).info.status).toBe('miss')
    expect((await a.user.findUnique(byId).withCacheInfo()).info.status).toBe('hit')
    const list = { where: { email: { startsWith: namespace } }, include: { posts: true }, cache: { ttl: 30, tags: ['workload'] } }
    await Promise.all([a.user.findMany(list), b.user.findMany(list), a.user.count({ cache: true }), b.user.count({ cache: true })])
    expect((await b.user.findMany(list).withCacheInfo()).info.status).toBe('hit')

    // A write invalidates in both processes; a tag and a model invalidation do too.
    await a.user.update({ where: { id: user.id }, data: { name: 'After' } })
    expect((await b.user.findUnique(byId))?.name).toBe('After')
    await b.$cache.invalidate({ tags: ['workload'], models: ['Post'] })
    expect((await a.user.findMany(list).withCacheInfo()).info.status).toBe('miss')

    // Stale-while-revalidate: an expired entry is served once while one refresh runs.
    const swr = { where: { id: user.id }, select: { name: true }, cache: { ttl: 0.05, swr: 60 } } as const
    await a.user.findUnique(swr)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect((await a.user.findUnique(swr).withCacheInfo()).info.status).toBe('stale')
    await new Promise((resolve) => setTimeout(resolve, 100))

    // The key/value API.
    const kv = a.$cache
    await kv.set('k', { at: new Date(1) }, { ttl: 30, tags: ['kv'] })
    expect(await kv.get('k')).toEqual({ at: new Date(1) })
    expect(await kv.add('k', 1)).toBe(false)
    expect(await kv.add('fresh', 1)).toBe(true)
    expect(await kv.getOrSet('composite', async () => (await a.user.count()) + 1)).toBeGreaterThan(0)
    expect(await kv.has('k')).toBe(true)
    await kv.setMany({ m1: 1, m2: 'two' })
    expect(await kv.getMany(['m1', 'm2', 'none'])).toEqual(new Map<string, unknown>([['m1', 1], ['m2', 'two']]))
    expect(await kv.incr('counter')).toBe(1)
    expect(await kv.decr('counter', 3)).toBe(-2)
    expect(await kv.touch('k', 60)).toBe(true)
    expect(await kv.delete('k')).toBe(true)
    expect(await kv.deleteMany(['m1', 'm2'])).toBe(2)
    await b.$cache.invalidate({ tags: ['kv'] })

    // clear(): the namespace is empty afterwards.
    await a.$cache.clear()
    expect(await kv.get('fresh')).toBeUndefined()
    // b's L1 (tiered) forgets what it holds when the clear reaches it over the bus: other
    // processes lag by the bus delivery (README, Guarantees), so b is asked until then.
    const statusOfB = async () => (await b.user.findUnique(byId).withCacheInfo()).info.status
    if (kind === 'tiered') await waitFor(async () => (await statusOfB()) === 'miss', 'b still hit its L1 2 s after clear()', 2000)
    else expect(await statusOfB()).toBe('miss')
  } finally {
    for (const store of stores) await store.close?.()
    for (const client of clients) client.disconnect()
  }
  return errors
}
