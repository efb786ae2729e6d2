/**
 * The store contract on every Redis client × topology: ioredis and node-redis, on one server and
 * on the run's Redis Cluster (3 masters, 1 replica each; test/global-setup.ts). On a cluster every
 * multi-key operation spans hash slots, so a store that sent a multi-slot command would fail here
 * with CROSSSLOT.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { redisStore, RedisStore } from '../../src/index.js'
import { makeStore, prepareStoreKind, REDIS_CLIENT_KINDS, testCluster, testNodeRedis } from '../helpers/cached-client.js'
import { storeContract } from '../helpers/store-contract.js'

for (const kind of REDIS_CLIENT_KINDS) {
  describe(kind, () => {
    beforeAll(() => prepareStoreKind(kind))
    storeContract(kind, () => makeStore(kind))
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
