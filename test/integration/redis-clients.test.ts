/**
 * The store contract on every Redis client × topology: ioredis and node-redis, on one server and
 * on the run's Redis Cluster (3 masters, 1 replica each; test/global-setup.ts). On a cluster every
 * multi-key operation spans hash slots, so a store that sent a multi-slot command would fail here
 * with CROSSSLOT.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, RedisStore, tieredStore, type TieredStore } from '../../src/index.js'
import type { RedisClient } from '../../src/stores/redis.js'
import { makeStore, prepareStoreKind, REDIS_CLIENT_KINDS, testCluster, testNodeRedis } from '../helpers/cached-client.js'
import { clusterSeeds } from '../helpers/redis-cluster.js'
import { commandCounts, parseCommandStats, startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js'
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

describe('redisStore({ replicas }): a version bump waits for the replicas once per server', () => {
  let master: RedisServer
  let replica: RedisServer
  beforeAll(async () => {
    master = await startRedisServer(['--repl-diskless-sync-delay', '0'])
    replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)])
    await waitFor(async () => (await replica.cli('info', 'replication')).includes('master_link_status:up'), 'replication did not start', 10_000)
  })
  afterAll(async () => {
    await replica?.stop()
    await master?.stop()
  })

  // Keys of several hash slots: on one server they still need only one WAIT.
  const entries = (): [string, string][] => ['m:User', 'm:Post', 'm:Order', 't:a', 't:b'].map((tag) => [`replicas-${randomUUID()}:v:${tag}`, 'x'])

  it.each(['ioredis', 'node-redis'])('%s on one server: the SETs and one WAIT', async (client) => {
    const connection: RedisClient = client === 'ioredis'
      ? await master.connect()
      : await createClient({ url: master.url }).on('error', () => {}).connect() as unknown as RedisClient
    try {
      const store = redisStore({ client: connection, replicas: 1, channel: false })
      await master.cli('config', 'resetstat')
      await store.setMany(entries(), 60_000)
      const counts = await commandCounts(master)
      expect({ set: counts.set, wait: counts.wait }).toEqual({ set: 5, wait: 1 })
    } finally {
      if (client === 'node-redis') (connection as unknown as { destroy(): void }).destroy()
    }
  })

  it('node-redis on a Cluster: one WAIT per master written, however many slots', async () => {
    const store = redisStore({ client: await testNodeRedis('cluster'), replicas: 1, channel: false })
    // Every node of the run's cluster (masters and replicas; only masters get WAITs).
    const nodes = clusterSeeds().map(({ host, port }) => new Redis({ host, port }))
    try {
      const waits = async () => {
        const stats = await Promise.all(nodes.map(async (node) => parseCommandStats(await node.info('commandstats'))))
        return stats.reduce((sum, counts) => sum + (counts.wait ?? 0), 0)
      }
      const before = await waits()
      const many = Array.from({ length: 40 }, (_, i) => [`replicas-${randomUUID()}:v:${i}`, 'x'] as [string, string])
      await store.setMany(many, 60_000)
      expect(await waits() - before, 'WAITs for a bump of 40 slots').toBeLessThanOrEqual(3)
    } finally {
      for (const node of nodes) node.disconnect()
    }
  })
})
