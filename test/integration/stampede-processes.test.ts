// providers: postgres — child processes reach the database through the PostgreSQL counting adapter; the store is what is tested
/**
 * The stampede lock across real processes: worker children (test/helpers/child/cache-worker.ts),
 * each with its own PrismaClient, cacheExtension and redisStore on one Redis. Database executions
 * are counted by each child's own driver adapter and summed here; a killed holder's query never
 * leaves its adapter's gate, so it never reaches PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startWorker, type WorkerEnv, type WorkerHandle } from '../helpers/child/worker-handle.js'

const PROCESSES = 4
const READS_PER_PROCESS = 50
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

interface Row { id: number; sku: string; name: string; price: string }
interface ReadsReply { outcomes: { data: Row[]; status: string; ms: number }[]; executions: number }

let db: TestDatabase
let env: WorkerEnv
let redis: Redis
let workers: WorkerHandle[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.product.createMany({ data: [1, 2, 3].map((i) => ({ sku: `P-${i}`, name: `Lamp ${i}`, price: `${i}.25` })) })
  env = { DATABASE_URL: db.url, REDIS_URL, NAMESPACE: 't_' + randomBytes(6).toString('hex') }
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  workers = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => startWorker(env)))
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()))
  await redis?.quit()
  await db?.drop()
})

/** The rows as the database has them, in the shape the workers return. */
async function truth(): Promise<Row[]> {
  const rows = await db.sql<{ id: number; sku: string; name: string; price: string }>(`SELECT id, sku, name, price::text AS price FROM "Product" WHERE sku LIKE 'P-%' ORDER BY id`)
  return rows.map((r) => ({ ...r, price: String(Number(r.price)) }))
}

const normalise = (rows: Row[]) => rows.map((r) => ({ ...r, price: String(Number(r.price)) }))
const counts = (ws: WorkerHandle[]) => Promise.all(ws.map(async (w) => (await w.request<{ executions: number }>('count')).executions))
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** Starts a holder that takes the entry's lock and hangs in its SELECT; resolves once it is held there. */
async function stuckHolder(marker: string, lock: { ttl: number; wait: number }): Promise<WorkerHandle> {
  const holder = await startWorker(env)
  await holder.request('hold', { text: '"Product"' })
  const held = holder.event('held')
  holder.request('reads', { n: 1, prefix: 'P-', marker, options: { lock } }).catch(() => {}) // never answers: killed
  await held
  return holder
}

async function lockTtlMs(): Promise<number> {
  // SCAN until the cursor comes back to 0: one call may cover only part of a busy keyspace.
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${env.NAMESPACE}:l:*`, 'COUNT', 1000)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  expect(keys, 'the holder holds exactly one lock').toHaveLength(1)
  return redis.pttl(keys[0]!)
}

describe('stampede lock across processes', () => {
  it(`${PROCESSES} processes × ${READS_PER_PROCESS} concurrent identical cold reads run the query once in total`, async () => {
    const all = [...workers, await startWorker(env)]
    workers = all
    const before = await counts(all)
    // Each worker is warm and idle; the four commands leave in one synchronous loop.
    const replies = await Promise.all(all.map((w) => w.request<ReadsReply>('reads', { n: READS_PER_PROCESS, prefix: 'P-', marker: 'cold' })))
    const executions = sum(await counts(all)) - sum(before)
    const expected = await truth()
    const results = replies.flatMap((r) => r.outcomes.map((o) => normalise(o.data)))
    console.log(`[stampede] ${results.length} reads in ${PROCESSES} processes → ${executions} database execution(s); statuses`, tally(replies))
    expect(executions).toBe(1)
    expect(results).toHaveLength(PROCESSES * READS_PER_PROCESS)
    for (const result of results) expect(result).toEqual(expected)
  })

  it('a killed lock holder delays the waiters of other processes until its lock expires (lock.ttl < lock.wait), then one of them queries', async () => {
    const lock = { ttl: 1000, wait: 3000 }
    const holder = await stuckHolder('ttl-first', lock)
    const remainingMs = await lockTtlMs()
    const waiters = workers.slice(0, 3)
    const before = await counts(waiters)
    const started = performance.now()
    const pending = waiters.map((w) => w.request<ReadsReply>('reads', { n: 10, prefix: 'P-', marker: 'ttl-first', options: { lock } }))
    await holder.kill()
    const replies = await Promise.all(pending)
    const elapsed = performance.now() - started
    const delays = replies.flatMap((r) => r.outcomes.map((o) => o.ms))
    const executions = sum(await counts(waiters)) - sum(before)
    console.log(`[stampede] holder killed, lock had ${remainingMs} ms left (lock.ttl ${lock.ttl}): waiter delay min ${Math.min(...delays).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms; ${executions} execution(s) by the waiters`)
    expect(Math.max(...delays)).toBeLessThan(lock.ttl + 500)
    expect(Math.min(...delays), 'the waiters did wait for the lock').toBeGreaterThan(remainingMs - 100)
    expect(elapsed).toBeLessThan(lock.wait)
    expect(executions, 'after expiry one waiter takes the lock, the others get its value').toBe(1)
    const expected = await truth()
    for (const reply of replies) for (const o of reply.outcomes) expect(normalise(o.data)).toEqual(expected)
  })

  it('waiters of a killed holder query the database themselves after lock.wait when lock.wait < lock.ttl', async () => {
    const lock = { ttl: 10_000, wait: 600 }
    const holder = await stuckHolder('wait-first', lock)
    const waiters = workers.slice(0, 3)
    const before = await counts(waiters)
    const pending = waiters.map((w) => w.request<ReadsReply>('reads', { n: 10, prefix: 'P-', marker: 'wait-first', options: { lock } }))
    await holder.kill()
    const replies = await Promise.all(pending)
    const delays = replies.flatMap((r) => r.outcomes.map((o) => o.ms))
    const executions = sum(await counts(waiters)) - sum(before)
    console.log(`[stampede] holder killed (lock.ttl ${lock.ttl}, lock.wait ${lock.wait}): waiter delay min ${Math.min(...delays).toFixed(0)} ms, max ${Math.max(...delays).toFixed(0)} ms; ${executions} execution(s)`)
    expect(Math.min(...delays), 'they waited for lock.wait').toBeGreaterThan(lock.wait - 50)
    expect(Math.max(...delays), 'and not for lock.ttl').toBeLessThan(lock.wait + 1000)
    expect(executions, 'at most one query per waiting process (in-process single-flight)').toBeGreaterThanOrEqual(1)
    expect(executions).toBeLessThanOrEqual(waiters.length)
    const expected = await truth()
    for (const reply of replies) for (const o of reply.outcomes) expect(normalise(o.data)).toEqual(expected)
  })
})

function tally(replies: ReadsReply[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of replies) for (const o of r.outcomes) out[o.status] = (out[o.status] ?? 0) + 1
  return out
}
