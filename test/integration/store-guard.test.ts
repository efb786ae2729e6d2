// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * The store deadline measures the store, not our own event loop: a reply that arrived in time
 * while the process was stalled (a GC pause, a long synchronous task) must not count as a timeout.
 */
import { afterAll, expect, it } from 'vitest'
import { redisStore } from '../../src/index.js'
import { StoreGuard } from '../../src/stores/guard.js'
import { testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { silentServer, slowLink } from '../helpers/broken-redis.js'
import { Redis } from 'ioredis'

const settings = { timeoutMs: 50, failures: 100, cooldownMs: 1000 }

function stall(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // a synchronous stall longer than the deadline
  }
}

it('a reply that arrived during an event-loop stall longer than the deadline still wins', async () => {
  const guard = new StoreGuard(redisStore({ client: testRedis() }), settings)
  const key = `${uniqueNamespace()}:stall`
  await testRedis().set(key, 'value', 'PX', 10_000)
  const reading = guard.call('read', (s) => s.mget([key]))
  stall(150)
  const [value] = await reading
  expect(value?.toString()).toBe('value')
})

it('a reply to a command sent after the stall (writes are corked until the next tick) still wins', async () => {
  // The stall comes before the command leaves the process: the store is owed its whole deadline
  // on a free event loop, not the few microseconds between the stall's end and the expired timer.
  // A link that answers in 20 ms (well within the 50 ms deadline) makes that gap visible.
  const { host, port } = testRedis().options
  const link = await slowLink({ host: host ?? '127.0.0.1', port: port ?? 6379 }, 20)
  const client = new Redis({ port: link.port, maxRetriesPerRequest: 0 })
  afterAll(async () => {
    client.disconnect()
    await link.close()
  })
  const guard = new StoreGuard(redisStore({ client }), settings)
  const key = `${uniqueNamespace()}:corked`
  await client.set(key, 'value', 'PX', 10_000)
  for (let i = 0; i < 3; i++) {
    const reading = guard.call('read', (s) => s.mget([key]))
    stall(120)
    const [value] = await reading
    expect(value?.toString()).toBe('value')
  }
})

async function neverAnsweringStore() {
  const server = await silentServer()
  const client = new Redis({ port: server.port, enableOfflineQueue: true, maxRetriesPerRequest: 0, lazyConnect: false })
  afterAll(async () => {
    client.disconnect()
    await server.close()
  })
  return redisStore({ client })
}

it('a store that never answers still times out after the deadline', async () => {
  const guard = new StoreGuard(await neverAnsweringStore(), settings)
  const started = performance.now()
  await expect(guard.call('read', (s) => s.mget(['k']))).rejects.toMatchObject({ code: 'E_CACHE_TIMEOUT' })
  expect(performance.now() - started).toBeGreaterThanOrEqual(settings.timeoutMs - 1)
})

it('a store that never answers times out after a stall too: the deadline is granted again once, not forever', async () => {
  const guard = new StoreGuard(await neverAnsweringStore(), settings)
  const started = performance.now()
  const reading = guard.call('read', (s) => s.mget(['k']))
  stall(150)
  await expect(reading).rejects.toMatchObject({ code: 'E_CACHE_TIMEOUT' })
  // the stall, then one more deadline on a free loop
  expect(performance.now() - started).toBeGreaterThanOrEqual(150 + settings.timeoutMs - 1)
})
