// providers: postgres — about the Redis Cluster's pub/sub, not the database
/**
 * What the checker's barrier on a cluster (test/checker/world.ts) relies on. A message published
 * on one node reaches a subscriber on another node over the publishing node's own cluster link,
 * so two messages published on two nodes may arrive in either order; a marker published on every
 * node, once all its copies arrived, comes after every message published before it, on any node.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { clusterSeeds } from '../helpers/redis-cluster.js'
import { waitFor } from '../helpers/redis-server.js'

const TRIALS = 200
let subscriber: Redis
let publishers: Redis[]
const received: string[] = []

beforeAll(async () => {
  const seeds = clusterSeeds()
  subscriber = new Redis(seeds[0]!.port, seeds[0]!.host)
  publishers = seeds.map(({ host, port }) => new Redis(port, host))
  subscriber.on('message', (_channel: string, message: string) => received.push(message))
  await subscriber.subscribe('bus-order')
})

afterAll(() => {
  subscriber?.disconnect()
  for (const p of publishers ?? []) p.disconnect()
})

it(`a marker published on every node arrives, in all its copies, after a message published earlier on any node (${TRIALS} trials)`, async () => {
  for (let i = 0; i < TRIALS; i++) {
    received.length = 0
    const writer = publishers[1 + (i % (publishers.length - 1))]!
    await writer.publish('bus-order', `write ${i}`)
    await Promise.all(publishers.map((p) => p.publish('bus-order', `marker ${i}`)))
    await waitFor(() => received.filter((m) => m === `marker ${i}`).length === publishers.length && received.includes(`write ${i}`), `trial ${i}: a message did not arrive`, 5000)
    // The order of arrival, not a later look: the barrier is passed when the last copy arrives.
    expect(received.indexOf(`write ${i}`), `trial ${i}: the write arrived after the barrier`).toBeLessThan(received.lastIndexOf(`marker ${i}`))
  }
})
