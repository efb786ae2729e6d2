// providers: postgres — exercises the cache store, which does not depend on the database
import { randomUUID } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisStore, type CacheStore } from '../../src/index.js'
import { clusterSeeds } from '../helpers/redis-cluster.js'
import { storeContract } from '../helpers/store-contract.js'

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: true })
// ioredis prefixes the keys of every command (not SCAN's MATCH pattern, nor the keys SCAN replies).
const keyPrefix = `prefixed-${randomUUID()}:`
const prefixed = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: true, keyPrefix })
const prefixedCluster = new Cluster(clusterSeeds(), { keyPrefix, redisOptions: { maxRetriesPerRequest: 1 } }).on('error', () => {})
afterAll(() => Promise.all([client.quit(), prefixed.quit(), prefixedCluster.quit()]))

storeContract('redis', () => redisStore({ client }))
storeContract('redis on an ioredis client with a keyPrefix', () => redisStore({ client: prefixed }))

describe('redisStore', () => {
  it('gives every key it writes a TTL', async () => {
    const store = redisStore({ client })
    const p = `contract:${Date.now()}:${Math.random()}:`
    await store.set(`${p}a`, 'x', 60_000)
    await store.add(`${p}b`, 'x', 60_000)
    await store.getOrInit([`${p}c`], ['x'], 60_000)
    await store.setMany([[`${p}d`, 'x'], [`${p}e`, 'x']], 60_000)
    await store.incrBy(`${p}f`, 1, 60_000)
    const ttls = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => client.pttl(`${p}${k}`)))
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(0)
    await client.del(...['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `${p}${k}`))
  })

  it("with a keyPrefix, clear() deletes only the keys under the prefix it was given, and only the client's own", async () => {
    const store = redisStore({ client: prefixed })
    const p = `contract:${randomUUID()}:`
    await store.setMany([[`${p}ns:a`, '1'], [`${p}ns:b`, '2'], [`${p}other`, '3']], 60_000)
    await client.set(`${p}ns:unprefixed`, 'x', 'PX', 60_000) // the same name without the client's prefix
    await store.clear(`${p}ns:`)
    expect(await client.exists(`${keyPrefix}${p}ns:a`, `${keyPrefix}${p}ns:b`)).toBe(0)
    expect(await client.get(`${keyPrefix}${p}other`)).toBe('3')
    expect(await client.get(`${p}ns:unprefixed`)).toBe('x')
    await client.del(`${keyPrefix}${p}other`, `${p}ns:unprefixed`)
  })

  it('with a keyPrefix on a Cluster, clear() reaches the keys under the prefix on every master', async () => {
    const store = redisStore({ client: prefixedCluster })
    const p = `contract:${randomUUID()}:`
    // Hash-tagged as the store's own keys are (one bucket each), so each key's slot does not depend on the client's prefix.
    const inside = Array.from({ length: 24 }, (_, i) => `${p}ns:{${i}}:k`)
    const outside = `${p}other:{0}:k`
    await store.setMany([...inside, outside].map((key) => [key, 'v'] as [string, string]), 60_000)
    await store.clear(`${p}ns:`)
    expect((await store.mget(inside)).filter((v) => v !== undefined)).toHaveLength(0)
    expect((await store.mget([outside])).map(String)).toEqual(['v'])
    await store.delete([outside])
  })

  it('never closes the client it was given', async () => {
    const store: CacheStore = redisStore({ client })
    await store.close?.()
    expect(await client.ping()).toBe('PONG')
  })
})
