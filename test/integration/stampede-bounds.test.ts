// providers: postgres — exercises the cache's API and read path, which do not depend on the database (not yet tried on MySQL/SQLite)
/**
 * The bounds of single-flight: a cold fill (its dependency versions created by the fill itself) is
 * joined by reads arriving while it runs, and no joiner — in this process or another — waits for a
 * stuck fill longer than `lock.wait` before asking the database itself; a lock whose taking timed
 * out is released, so it delays no one.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { lockKey } from '../../src/codec/keys.js'
import { redisStore, type CacheStore } from '../../src/index.js'
import { cachedClient, STORE_KINDS, testRedis, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
  for (let i = 1; i <= 3; i++) await db.prisma.user.create({ data: { email: `slow${i}@example.com`, name: `Slow ${i}` } })
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

/** Rejects when `promise` takes longer than `ms`: a read that hangs fails the test instead of timing it out. */
function within<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms} ms`)), ms)))
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer))
}

/** Holds only the first SELECT on "User" (the leader's); later ones pass. */
function holdFirstUserSelect(): { arrived: Promise<void>; release(): void } {
  let seen = 0
  let arrive!: () => void
  const arrived = new Promise<void>((resolve) => (arrive = resolve))
  db.gate.close((sql) => {
    if (!/^\s*SELECT/i.test(sql) || !sql.includes('"User"')) return false
    if (++seen > 1) return false
    arrive()
    return true
  })
  return { arrived, release: () => db.gate.open() }
}

describe('a cold fill on the memory store', () => {
  it('is joined by reads arriving while its query runs: one database execution', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const read = () => prisma.user.findMany({ where: { email: { startsWith: 'slow' } }, orderBy: { id: 'asc' }, cache: true })
    const expected = await db.prisma.user.findMany({ where: { email: { startsWith: 'slow' } }, orderBy: { id: 'asc' } })
    db.executions.reset()
    const held = holdSelects(db, '"User"')
    const leader = read().then((rows) => rows)
    await held.arrived // the leader captured (created) the versions and its query is running
    const late = Array.from({ length: 10 }, () => read().then((rows) => rows))
    for (let i = 0; i < 20; i++) await nextTurn()
    held.release()
    const results = await Promise.all([leader, ...late])
    expect(db.executions.reads).toBe(1)
    for (const rows of results) expect(rows).toStrictEqual(expected)
  })
})

describe.each(STORE_KINDS)('joiners of a stuck fill on the %s store', (kind: StoreKind) => {
  it('give up after lock.wait and query the database themselves', async () => {
    const lock = { wait: 300, ttl: 60_000 }
    const { prisma, namespace } = cachedClient(db, kind, { lock })
    const read = (client: typeof prisma) => client.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' }, cache: true })
    const expected = await db.prisma.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' } })
    const held = holdFirstUserSelect()
    const leader = read(prisma).then((rows) => rows)
    await held.arrived
    const joiners = Array.from({ length: 5 }, () => read(prisma).then((rows) => rows))
    // Another instance on the same store (another process, on Redis) waits on the lock instead.
    const other = kind === 'redis' ? cachedClient(db, kind, { lock, namespace }).prisma : undefined
    const waiter = other ? read(other).then((rows) => rows) : undefined
    const answers = await within(Promise.all([...joiners, ...(waiter ? [waiter] : [])]), 10_000, 'the joiners of a stuck fill')
    expect(db.gate.waiting).toBe(1) // the leader is still stuck: the others answered without it
    for (const rows of answers) expect(rows).toStrictEqual(expected)
    held.release()
    expect(await within(leader, 10_000, 'the leader')).toStrictEqual(expected)
  })
})

/**
 * `inner` whose `method` replies `delayMs` late (Redis ran the command at once: only the reply is
 * held, as on a congested link); `hide` methods look absent.
 */
function lateReplies(inner: CacheStore, method: 'lookupAndLock' | 'add', delayMs: number, hide: string[] = []): CacheStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && hide.includes(prop)) return undefined
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      if (prop !== method) return value.bind(target)
      return async (...args: unknown[]) => {
        const reply = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        await sleep(delayMs)
        return reply
      }
    },
  })
}

describe('a stampede lock whose store call timed out', () => {
  const STORE_TIMEOUT_MS = 100
  const lock = { ttl: 60_000, wait: 2_000 }
  const read = (client: ReturnType<typeof cachedClient>['prisma']) => client.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()

  /** Reads once through `store` (its lock call times out), then once from a healthy instance on the same namespace. */
  async function afterTimeout(store: CacheStore, namespace: string) {
    const slow = cachedClient(db, 'redis', { store, namespace, lock, timeouts: { store: STORE_TIMEOUT_MS } }).prisma
    const errors: unknown[] = []
    slow.$cache.on('error', (event) => errors.push(event.error))
    const timedOut = await read(slow)
    expect(errors.some((error) => (error as { code?: string }).code === 'E_CACHE_TIMEOUT'), 'the lock call timed out').toBe(true)
    await slow.$cache.settle()
    const expected = await db.prisma.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' } })
    expect(timedOut.data).toStrictEqual(expected)
    expect(await testRedis().exists(lockKey(namespace, timedOut.info.key!)), 'the lock is gone').toBe(0)
    const other = cachedClient(db, 'redis', { namespace, lock }).prisma
    const { data, info } = await read(other)
    expect(data).toStrictEqual(expected)
    expect(info.status).toBe('miss')
    expect(other.$cache.stats().lockWaits, 'the other instance did not wait for the lock').toBe(0)
  }

  it('is released when the lookup that takes it with the entry replies too late', async () => {
    const namespace = uniqueNamespace()
    await afterTimeout(lateReplies(redisStore({ client: testRedis() }), 'lookupAndLock', 3 * STORE_TIMEOUT_MS), namespace)
  })

  it('is released when the SET NX of a miss replies too late', async () => {
    const namespace = uniqueNamespace()
    // Without lookupAndLock every miss takes the lock with its own SET NX (store.add).
    const store = lateReplies(redisStore({ client: testRedis() }), 'add', 3 * STORE_TIMEOUT_MS, ['lookupAndLock'])
    await afterTimeout(store, namespace)
  })
})
