// providers: postgres — about the Redis Cluster, not the database
/**
 * The Redis Cluster across real processes (test/helpers/child/cache-worker.ts with
 * REDIS_CLUSTER_NODES): the stampede lock holds across processes sharing the cluster (the reads'
 * buckets spread over every master), and tiered stores on the cluster keep each other's L1 fresh
 * through the bus (classic pub/sub: the writer publishes through whichever node, the reader
 * listens on a node of its own choosing).
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore, tieredStore, type TieredStore } from '../../src/index.js'
import { cachedClient, testCluster, type CachedClient } from '../helpers/cached-client.js'
import { startWorker, type WorkerEnv, type WorkerHandle } from '../helpers/child/worker-handle.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { waitFor } from '../helpers/redis-server.js'

const PROCESSES = 4
const READS_PER_PROCESS = 30
const TRIALS = 10

interface Row { id: number; sku: string; name: string; price: string }
interface ReadsReply { outcomes: { data: Row[]; status: string }[] }

let db: TestDatabase
const workers: WorkerHandle[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.product.createMany({ data: [1, 2, 3].map((i) => ({ sku: `C-${i}`, name: `Lamp ${i}`, price: `${i}.25` })) })
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()))
  await db?.drop()
})

const env = (namespace: string, store: 'redis' | 'tiered'): WorkerEnv => ({
  DATABASE_URL: db.url, REDIS_URL: '', NAMESPACE: namespace, STORE: store, REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES!,
})
const spawn = async (e: WorkerEnv) => {
  const worker = await startWorker(e)
  workers.push(worker)
  return worker
}
const counts = (ws: WorkerHandle[]) => Promise.all(ws.map(async (w) => (await w.request<{ executions: number }>('count')).executions))
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

describe('stampede lock across processes on a Redis Cluster', () => {
  let all: WorkerHandle[]
  beforeAll(async () => {
    const e = env('t_' + randomBytes(6).toString('hex'), 'redis')
    all = await Promise.all(Array.from({ length: PROCESSES }, () => spawn(e)))
  }, 180_000) // four tsx children start slowly on a loaded machine

  it(`${PROCESSES} processes × ${READS_PER_PROCESS} concurrent identical cold reads run the query once in total`, async () => {
    const before = await counts(all)
    // Generous lock settings: on a loaded machine the holder's fill may take seconds, and waiters that give up query the database.
    const options = { lock: { ttl: 20_000, wait: 20_000 } }
    const replies = await Promise.all(all.map((w) => w.request<ReadsReply>('reads', { n: READS_PER_PROCESS, prefix: 'C-', marker: 'cold', options })))
    const executions = sum(await counts(all)) - sum(before)
    const names = replies.flatMap((r) => r.outcomes.map((o) => o.data.map((row) => row.name).join(',')))
    expect(executions).toBe(1)
    expect(new Set(names)).toEqual(new Set(['Lamp 1,Lamp 2,Lamp 3']))
    expect(names).toHaveLength(PROCESSES * READS_PER_PROCESS)
  })
})

describe('tiered stores across processes on a Redis Cluster', () => {
  let writerStore: TieredStore
  let writer: CachedClient
  let reader: WorkerHandle
  let productId: number
  beforeAll(async () => {
    const namespace = 't_' + randomBytes(6).toString('hex')
    productId = (await db.prisma.product.findFirstOrThrow({ where: { sku: 'C-1' } })).id
    writerStore = tieredStore({ l2: redisStore({ client: testCluster() }) }) // the bus: '<namespace>:bus', on a node of its choosing
    writer = cachedClient(db, 'cluster', { store: writerStore, namespace }).prisma
    reader = await spawn(env(namespace, 'tiered'))
    await waitFor(async () => writerStore.bus.healthy && (await reader.request<{ healthy: boolean }>('bus')).healthy, 'buses did not come up', 10_000)
  }, 180_000)
  afterAll(() => writerStore?.close())

  it(`a write in one process makes the other's next read fresh once the bus message arrived (${TRIALS} trials)`, async () => {
    expect(writerStore.bus.channel).toMatch(/^t_[0-9a-f]+:bus$/)
    for (let trial = 0; trial < TRIALS; trial++) {
      const name = `fresh-${trial}`
      await reader.request<ReadsReply>('reads', { n: 1, prefix: 'C-' })
      const warm = await reader.request<ReadsReply>('reads', { n: 1, prefix: 'C-' })
      expect(warm.outcomes[0]!.status).toBe('hit') // served from the reader's L1 (or L2) before the write
      const watched = reader.request<{ seenAt?: number }>('watch', { prefix: 'C-', name, timeoutMs: 5000 })
      await sleep(20)
      await writer.product.update({ where: { id: productId }, data: { name } })
      expect((await watched).seenAt, `trial ${trial}: the reader saw the write`).toBeDefined()
    }
    const after = await reader.request<ReadsReply>('reads', { n: 1, prefix: 'C-' })
    expect(after.outcomes[0]!.data[0]!.name).toBe(`fresh-${TRIALS - 1}`)
  })
})
