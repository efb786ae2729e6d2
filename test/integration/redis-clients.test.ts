/**
 * The store contract on every Redis client × topology: ioredis and node-redis, on one server and
 * on the run's Redis Cluster (3 masters, 1 replica each; test/global-setup.ts). On a cluster every
 * multi-key operation spans hash slots, so a store that sent a multi-slot command would fail here
 * with CROSSSLOT.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, RedisStore, tieredStore, type TieredStore } from '../../src/index.js'
import { makeStore, prepareStoreKind, REDIS_CLIENT_KINDS, testCluster, testNodeRedis } from '../helpers/cached-client.js'
import { waitFor } from '../helpers/redis-server.js'
import { storeContract } from '../helpers/store-contract.js'

for (const kind of REDIS_CLIENT_KINDS) {
  describe(kind, () => {
    beforeAll(() => prepareStoreKind(kind))
    storeContract(kind, () => makeStore(kind))

    it('the bus reports healthy only once subscribed: a message published the moment it does arrives', async () => {
      const store = makeStore(kind) as RedisStore
      const channel = `clients-ready-${randomUUID()}`
      let received = 0
      let published: Promise<void> | undefined
      const subscription = store.subscribe(channel, {
        onMessage: () => received++,
        onHealthChange: (healthy) => {
          if (healthy) published ??= store.driver.publish(channel, 'hello')
        },
      })
      try {
        await waitFor(() => published !== undefined, `the ${kind} bus did not subscribe`, 10_000)
        await published
        await waitFor(() => received > 0, 'the message published once the bus was healthy never arrived', 2000)
      } finally {
        await subscription.close()
      }
    })

    describe('as the L2 of a tiered store', () => {
      let tiered: TieredStore
      beforeAll(async () => {
        await prepareStoreKind(kind)
        tiered = tieredStore({ l2: makeStore(kind) as RedisStore })
        tiered.attach({ namespace: `clients-${randomUUID()}` })
        await waitFor(() => tiered.bus.healthy, `the ${kind} bus did not subscribe`, 10_000)
      })
      afterAll(() => tiered?.close())

      it("another process's change evicts the L1 copy through the bus", async () => {
        const key = `${tiered.bus.channel}:k:${randomUUID()}`
        await tiered.set(key, 'old', 60_000)
        // Held in L1 once a read copied it (a copy is skipped while a bus message — even our own — is in flight).
        await waitFor(async () => (await tiered.mget([key]), tiered.peek([key])?.map(String)[0] === 'old'), 'L1 did not keep a copy')
        const other = makeStore(kind) as RedisStore
        other.attach({ namespace: tiered.bus.channel!.replace(/:bus$/, '') })
        await other.setMany([[key, 'new']], 60_000)
        await waitFor(() => tiered.peek([key]) === undefined, 'the L1 copy was not evicted')
        expect((await tiered.mget([key])).map(String)).toEqual(['new'])
      })
    })
  })
}

describe('client detection', () => {
  it('tells ioredis from node-redis and a cluster from one server', async () => {
    const drivers = [
      (makeStore('redis') as RedisStore).driver,
      redisStore({ client: testCluster() }).driver,
      redisStore({ client: await testNodeRedis('client') }).driver,
      redisStore({ client: await testNodeRedis('cluster') }).driver,
    ]
    expect(drivers.map((d) => `${d.client}/${d.cluster ? 'cluster' : 'single'}`)).toEqual(['ioredis/single', 'ioredis/cluster', 'node-redis/single', 'node-redis/cluster'])
  })
})
