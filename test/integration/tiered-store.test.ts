// providers: postgres — exercises the tiered store, which does not depend on the database
/**
 * tieredStore on its own, in one process, on the shared Redis (each test in a namespace of its
 * own): what arrives on the bus channel, and how L1 stays coherent with L2 around this process's
 * own changes.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { redisStore, tieredStore, type TieredStore } from '../../src/index.js'
import type { RedisClient } from '../../src/stores/redis.js'
import { freePort } from '../helpers/broken-redis.js'
import { testRedis } from '../helpers/cached-client.js'
import { collectGarbage } from '../helpers/gc.js'
import { waitFor } from '../helpers/redis-server.js'
import { redisUrl } from '../helpers/services.js'

const opened: TieredStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) {
    await store.l2.clear(`${store.bus.channel!.replace(/:bus$/, '')}:`)
    await store.close()
  }
})

/** A tiered store on the shared Redis in a fresh namespace, its bus subscribed. */
async function tiered(namespace = `tt-${randomUUID()}`, l2 = redisStore({ client: testRedis() })): Promise<TieredStore> {
  const store = tieredStore({ l2 })
  opened.push(store)
  store.attach({ namespace })
  await waitFor(() => store.bus.healthy, 'the bus did not subscribe')
  return store
}

/** Reads `key` through `store` until L1 holds a copy of it (a copy is skipped while a bus message is in flight). */
async function heldInL1(store: TieredStore, key: string): Promise<void> {
  await waitFor(async () => (await store.mget([key]), store.peek([key]) !== undefined), `L1 did not keep a copy of ${key}`)
}

describe('the bus channel', () => {
  it('ignores payloads that are not its messages, stays subscribed and still honours a valid message after them', async () => {
    // Before the fix these crashed the process: a TypeError thrown in the client's listener, a rejected L1 delete.
    const crashes: unknown[] = []
    const crash = (error: unknown) => crashes.push(error)
    process.on('uncaughtException', crash).on('unhandledRejection', crash)
    onTestFinished(() => void process.off('uncaughtException', crash).off('unhandledRejection', crash))
    const store = await tiered()
    const channel = store.bus.channel!
    const key = `${channel}:k:${randomUUID()}`
    await store.set(key, 'cached', 60_000)
    await heldInL1(store, key)
    const garbage = ['null', '42', '"del"', '[]', '{"type":"del"}', '{"type":"del","keys":"abc"}', '{"type":"del","keys":[1,{}]}', '{"keys":"abc"}', '{"type":"clear"}', '{"type":"clear","prefix":7}', 'not json', '']
    const seen = store.bus.sequence
    for (const payload of garbage) await testRedis().publish(channel, payload)
    await waitFor(() => store.bus.sequence >= seen + garbage.length, 'the payloads did not arrive')
    expect(store.bus.healthy).toBe(true)
    expect(store.peek([key])?.map(String), 'nothing was evicted by garbage').toEqual(['cached'])
    await testRedis().publish(channel, JSON.stringify({ origin: 'someone-else', type: 'del', keys: [key] }))
    await waitFor(() => store.peek([key]) === undefined, 'a valid message after the garbage did not evict the L1 copy')
    await store.set(key, 'again', 60_000)
    expect((await store.mget([key])).map(String)).toEqual(['again'])
    expect(crashes).toEqual([])
  })
})

describe('two tiered stores over one redisStore (two cached clients sharing l2)', () => {
  it("a change through one (or on l2 directly) evicts the other's L1 copy once its announcement arrived", async () => {
    const namespace = `tt-${randomUUID()}`
    const l2 = redisStore({ client: testRedis() })
    const [a, b] = [await tiered(namespace, l2), await tiered(namespace, l2)]
    const version = `${namespace}:v:m:User`
    const entry = `${namespace}:u:${randomUUID()}`
    await b.getOrInit([version], ['1'], 60_000)
    await b.set(entry, 'old', 60_000)
    const changes: [string, string, () => Promise<unknown>][] = [
      ['setMany', version, () => a.setMany([[version, '2']], 60_000)],
      ['set', entry, () => a.set(entry, 'new', 60_000)],
      ['incrBy', version, () => a.incrBy(version, 1, 60_000)],
      ['delete', entry, () => a.delete([entry])],
      ['clear', entry, () => a.clear(`${namespace}:u:`)],
      ['a change made on l2 itself (a redisStore used directly)', version, () => l2.setMany([[version, '9']], 60_000)],
    ]
    for (const [name, key, change] of changes) {
      if (name === 'clear') await b.set(entry, 'cached', 60_000)
      await heldInL1(b, key)
      await change()
      const inL2 = (await l2.mget([key]))[0]?.toString()
      await waitFor(async () => (await b.mget([key]))[0]?.toString() === inL2, `${name}: b still reads ${key} from its L1 copy`, 2000)
    }
  })
})

describe('a new TTL (expire, $cache.touch)', () => {
  it("is announced: another process's L1 copy is evicted, and it does not outlive the new TTL there", async () => {
    const namespace = `tt-${randomUUID()}`
    const [a, b] = [await tiered(namespace), await tiered(namespace)]
    const entry = `${namespace}:u:${randomUUID()}`
    await a.set(entry, 'value', 60_000)
    await heldInL1(b, entry)
    await heldInL1(a, entry)
    expect(await a.expire(entry, 300)).toBe(true)
    // The toucher's own copy takes the new TTL at once; the other's is evicted by the announcement.
    await waitFor(() => b.peek([entry]) === undefined, "b's L1 copy kept the old TTL (the new one was not announced)", 2000)
    expect((await b.mget([entry])).map(String)).toEqual(['value'])
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(await b.mget([entry])).toEqual([undefined])
    expect(await a.mget([entry])).toEqual([undefined])
  })
})

describe("this process's own changes", () => {
  const RACES = 50

  it(`a read racing delete(), incrBy(), clear() or set() never leaves the old value in L1 once the change resolved (${RACES} races each)`, async () => {
    const store = await tiered()
    const namespace = store.bus.channel!.replace(/:bus$/, '')
    const stale: string[] = []
    const check = async (name: string, key: string, expected: string | undefined) => {
      const now = (await store.mget([key]))[0]?.toString()
      if (now !== expected) stale.push(`${name}: read ${now} instead of ${expected}`)
    }
    /** `key` holds '5' in L2 only: a read racing the change fetches it and may copy it into L1. */
    const inL2Only = async (key: string) => {
      await testRedis().set(key, '5', 'PX', 60_000)
      await store.l1.delete([key])
    }
    for (let i = 0; i < RACES; i++) {
      const [deleted, counted, cleared] = ['d', 'n', 'c'].map((op) => `${namespace}:u:${op}:${i}`) as [string, string, string]
      await inL2Only(deleted)
      await Promise.all([store.mget([deleted]), store.delete([deleted])])
      await check('delete', deleted, undefined)
      await inL2Only(counted)
      const [, value] = await Promise.all([store.mget([counted]), store.incrBy(counted, 1, 60_000)])
      await check('incrBy', counted, String(value))
      const written = `${namespace}:u:w:${i}`
      await inL2Only(written)
      await Promise.all([store.mget([written]), store.set(written, '7', 60_000)])
      await check('set', written, '7')
      await inL2Only(cleared)
      await Promise.all([store.mget([cleared]), store.clear(`${namespace}:u:c:`)])
      await check('clear', cleared, undefined)
    }
    // Our own announcements are ignored (they evict nothing): the reads stay right once they arrived.
    await new Promise((resolve) => setTimeout(resolve, 50))
    for (let i = 0; i < RACES; i++) {
      await check('delete, later', `${namespace}:u:d:${i}`, undefined)
      await check('incrBy, later', `${namespace}:u:n:${i}`, '6')
      await check('clear, later', `${namespace}:u:c:${i}`, undefined)
    }
    expect(stale).toEqual([])
  })
})

describe('the bus connection', () => {
  it('subscribes when the application client was made with lazyConnect (its duplicate must connect)', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false })
    onTestFinished(() => client.disconnect())
    await client.connect()
    const store = await tiered(`tt-${randomUUID()}`, redisStore({ client }))
    const key = `${store.bus.channel}:k`
    await store.set(key, 'x', 60_000)
    await heldInL1(store, key)
  })

  const deadClients: Record<string, (port: number) => RedisClient & { duplicate(...args: unknown[]): object }> = {
    ioredis: (port) => new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0 }).on('error', () => {}),
    'node-redis': (port) => createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } }).on('error', () => {}) as unknown as RedisClient & { duplicate(...args: unknown[]): object },
  }
  for (const [name, deadClient] of Object.entries(deadClients)) {
    it(`${name}: while Redis is unreachable, the ended bus connections it replaces are not kept alive`, async () => {
      const client = deadClient(await freePort())
      // Observe (only) the connections the bus makes: each one ends at once and is replaced 50 ms later.
      const made = client.duplicate.bind(client)
      let created = 0
      let collected = 0
      const registry = new FinalizationRegistry(() => collected++)
      client.duplicate = (...args: unknown[]) => {
        const connection = made(...(args as []))
        created++
        registry.register(connection, undefined)
        return connection
      }
      const store = tieredStore({ l2: redisStore({ client }) })
      store.attach({ namespace: `tt-${randomUUID()}` })
      try {
        await waitFor(() => created >= 10, 'the bus did not retry')
        await collectGarbage()
        expect(created - collected, `connections still reachable of ${created} made`).toBeLessThanOrEqual(2)
        expect(store.bus.healthy).toBe(false)
      } finally {
        await store.close()
      }
    })
  }
})
