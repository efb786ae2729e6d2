// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * The store deadline measures the store, not our own event loop: a reply that arrived in time
 * while the process was stalled (a GC pause, a long synchronous task) must not count as a timeout.
 */
import { afterAll, expect, it } from 'vitest'
import { redisStore } from '../../src/index.js'
import { StoreGuard } from '../../src/stores/guard.js'
import { testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { silentServer } from '../helpers/broken-redis.js'
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

it('a store that never answers still times out after the deadline', async () => {
  const server = await silentServer()
  const client = new Redis({ port: server.port, enableOfflineQueue: true, maxRetriesPerRequest: 0, lazyConnect: false })
  afterAll(async () => {
    client.disconnect()
    await server.close()
  })
  const guard = new StoreGuard(redisStore({ client }), settings)
  const started = performance.now()
  await expect(guard.call('read', (s) => s.mget(['k']))).rejects.toMatchObject({ code: 'E_CACHE_TIMEOUT' })
  expect(performance.now() - started).toBeGreaterThanOrEqual(settings.timeoutMs - 1)
})
