// providers: postgres — exercises the cache store, which does not depend on the database
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisStore, type CacheStore } from '../../src/index.js'
import { storeContract } from '../helpers/store-contract.js'

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, enableOfflineQueue: true })
afterAll(() => client.quit())

storeContract('redis', () => redisStore({ client }))

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

  it('never closes the client it was given', async () => {
    const store: CacheStore = redisStore({ client })
    await store.close?.()
    expect(await client.ping()).toBe('PONG')
  })
})
