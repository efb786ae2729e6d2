// providers: postgres — its row-level-security extension calls PostgreSQL's set_config
/**
 * The cache in any position of a chain of `$extends`: no cached read hangs, a query extension
 * applied after the cache runs for every read that reaches the database (and not for hits), one
 * applied before it runs for every read. Stacked on every store, with a logging extension and a
 * row-level-security style one (it sets the tenant with `set_config` in a transaction around the
 * query, as Prisma's documentation shows).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigError, cacheExtension, memoryStore, redisStore, tieredStore, type CacheStore } from '../../src/index.js'
import { withAccelerate } from '../../src/accelerate/index.js'
import { testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { Prisma } from '../generated/prisma/client.js'

let db: TestDatabase
const closers: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  for (let i = 1; i <= 4; i++) await db.prisma.user.create({ data: { email: `order${i}@example.com`, name: `Order ${i}` } })
})
afterAll(async () => {
  for (const close of closers) await close()
  await db?.drop()
})

const KINDS = ['memory', 'redis', 'tiered'] as const
type Kind = (typeof KINDS)[number]

function makeStore(kind: Kind): CacheStore {
  if (kind === 'memory') return memoryStore()
  if (kind === 'redis') return redisStore({ client: testRedis() })
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  const store = tieredStore({ l2: redisStore({ client }) })
  closers.push(async () => {
    await store.close()
    client.disconnect()
  })
  return store
}

/** A query extension that counts the reads it sees. */
function logging() {
  const seen: string[] = []
  const extension = Prisma.defineExtension({
    name: 'logging',
    query: { $allModels: { $allOperations: ({ model, operation, args, query }) => (seen.push(`${model}.${operation}`), query(args)) } },
  })
  return { extension, seen }
}

/** Sets a tenant for each query inside a batch transaction, the way Prisma's RLS example does. */
function rowLevelSecurity(tenant: string) {
  const seen: string[] = []
  const extension = Prisma.defineExtension((client) =>
    client.$extends({
      name: 'rls',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            seen.push(`${model}.${operation}`)
            const [, result] = await client.$transaction([client.$executeRaw`SELECT set_config('app.tenant', ${tenant}, TRUE)`, query(args)])
            return result
          },
        },
      },
    }),
  )
  return { extension, seen }
}

function within<T>(promise: PromiseLike<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms} ms`)), ms)))
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer))
}

const where = { email: { startsWith: 'order' } }

/** The three reads of the report, twice each (a miss, then a hit or a bypass). */
async function readAll(prisma: any, label: string) {
  const out: { data: unknown; status: string }[] = []
  for (let round = 0; round < 2; round++) {
    for (const read of [
      () => prisma.user.findMany({ where, orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
      () => prisma.user.count({ where, cache: true }).withCacheInfo(),
      () => prisma.user.findFirst({ where: { email: { startsWith: 'order2' } }, cache: true }).withCacheInfo(),
    ]) {
      const { data, info } = (await within(read(), `${label}: a cached read`)) as { data: unknown; info: { status: string } }
      out.push({ data, status: info.status })
    }
  }
  return out
}

async function expectedAnswers() {
  return [
    await db.prisma.user.findMany({ where, orderBy: { id: 'asc' } }),
    await db.prisma.user.count({ where }),
    await db.prisma.user.findFirst({ where: { email: { startsWith: 'order2' } } }),
  ]
}

describe.each(KINDS)('extension order on the %s store', (kind: Kind) => {
  it('a logging extension applied after the cache sees exactly the reads that reach the database', async () => {
    const log = logging()
    const prisma = db.prisma.$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace() })).$extends(log.extension)
    db.executions.reset()
    const answers = await readAll(prisma, 'logging after')
    const expected = await expectedAnswers()
    expect(answers.map((a) => a.data)).toStrictEqual([...expected, ...expected])
    expect(answers.map((a) => a.status)).toStrictEqual(['miss', 'miss', 'miss', 'hit', 'hit', 'hit'])
    expect(log.seen).toStrictEqual(['User.findMany', 'User.count', 'User.findFirst'])
  })

  it('a logging extension applied before the cache sees every read, hits included', async () => {
    const log = logging()
    const prisma = db.prisma.$extends(log.extension).$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace() }))
    const answers = await readAll(prisma, 'logging before')
    expect(answers.map((a) => a.status)).toStrictEqual(['miss', 'miss', 'miss', 'hit', 'hit', 'hit'])
    expect(log.seen).toHaveLength(6)
  })

  it('a row-level-security extension applied after the cache runs for every miss, and hits are cached', async () => {
    const rls = rowLevelSecurity('tenant-a')
    const prisma = db.prisma.$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace(), scope: () => 'tenant-a' })).$extends(rls.extension)
    const answers = await readAll(prisma, 'rls after')
    const expected = await expectedAnswers()
    expect(answers.map((a) => a.data)).toStrictEqual([...expected, ...expected])
    expect(answers.map((a) => a.status)).toStrictEqual(['miss', 'miss', 'miss', 'hit', 'hit', 'hit'])
    expect(rls.seen).toStrictEqual(['User.findMany', 'User.count', 'User.findFirst'])
    // Its set_config is a SELECT: it must not count as a raw write that empties the cache.
    expect(prisma.$cache.stats().invalidations).toBe(0)
  })

  it('a row-level-security extension applied before the cache runs for every read, which bypass the cache inside its transaction', async () => {
    const rls = rowLevelSecurity('tenant-b')
    const prisma = db.prisma.$extends(rls.extension).$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace() }))
    const answers = await readAll(prisma, 'rls before')
    const expected = await expectedAnswers()
    expect(answers.map((a) => a.data)).toStrictEqual([...expected, ...expected])
    expect(answers.map((a) => a.status)).toStrictEqual(Array(6).fill('bypass'))
    expect(rls.seen).toHaveLength(6)
  })

  it('extensions on both sides, and stacked twice after the cache, never hang and agree with the database', async () => {
    const before = logging()
    const after = logging()
    const rls = rowLevelSecurity('tenant-c')
    const prisma = db.prisma
      .$extends(before.extension)
      .$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace(), mode: 'all' }))
      .$extends(after.extension)
      .$extends(rls.extension)
    const answers = await readAll(prisma, 'both sides')
    const expected = await expectedAnswers()
    expect(answers.map((a) => a.data)).toStrictEqual([...expected, ...expected])
    expect(before.seen).toHaveLength(6)
    expect(after.seen).toStrictEqual(rls.seen)
    await within(prisma.user.update({ where: { email: 'order1@example.com' }, data: { name: 'Renamed' } }), 'a write')
    const again = await within(prisma.user.findMany({ where, orderBy: { id: 'asc' }, cache: true }), 'a read after the write')
    expect(again).toStrictEqual(await db.prisma.user.findMany({ where, orderBy: { id: 'asc' } }))
    await db.prisma.user.update({ where: { email: 'order1@example.com' }, data: { name: 'Order 1' } })
  })
})

describe('a second cache extension on one client', () => {
  // Typed as never: the point is what happens at run time, whatever the types allow.
  const second: [string, () => never][] = [
    ['cacheExtension()', () => cacheExtension({ store: memoryStore(), namespace: uniqueNamespace() }) as never],
    ['withAccelerate()', () => withAccelerate({ store: memoryStore(), namespace: uniqueNamespace() }) as never],
  ]

  it.each(second)('%s applied on a cached client is a CacheConfigError, not a stack overflow', (_name, extension) => {
    const cached = db.prisma.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace() }))
    expect(() => cached.$extends(extension())).toThrow(CacheConfigError)
    expect(() => cached.$extends(extension())).toThrow(/\$extends: one cache extension per client/)
    // Also when another extension applies it to the client it is given.
    expect(() => cached.$extends(Prisma.defineExtension((client) => client.$extends(extension()) as never))).toThrow(CacheConfigError)
  })

  it('the cached client keeps working after the refused extension, and extensions still stack after it', async () => {
    const cached = db.prisma.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace() }))
    expect(() => cached.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace() }))).toThrow(CacheConfigError)
    const after = logging()
    const stacked = cached.$extends(after.extension)
    const read = () => stacked.user.count({ where, cache: true }).withCacheInfo()
    expect((await within(read(), 'first read')).info.status).toBe('miss')
    expect((await within(read(), 'second read')).info.status).toBe('hit')
    expect(after.seen).toStrictEqual(['User.count'])
  })
})
