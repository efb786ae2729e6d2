import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, CacheConfigError } from '../../src/index.js'
import { cachedClient, CLUSTER_KINDS, uniqueNamespace, type CachedClient, type CachedClientOptions, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number

beforeAll(async () => {
  db = await createTestDatabase()
  const ada = await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada', role: 'ADMIN' } })
  await db.prisma.user.create({ data: { email: 'bob@example.com', name: 'Bob' } })
  await db.prisma.order.create({ data: { userId: ada.id, total: '12.50' } })
  userId = ada.id
})
afterAll(() => db?.drop())

type Read = (prisma: CachedClient, cache: { cache?: boolean } | Record<string, never>) => { withCacheInfo(): Promise<{ data: unknown; info: { status: string } }> }

/** The eight reads, each given the `cache` argument to spread in (or none). */
const READS: [string, Read][] = [
  ['findUnique', (p, c) => p.user.findUnique({ where: { id: userId }, ...c })],
  ['findUniqueOrThrow', (p, c) => p.user.findUniqueOrThrow({ where: { email: 'bob@example.com' }, ...c })],
  ['findFirst', (p, c) => p.user.findFirst({ where: { role: 'ADMIN' }, ...c })],
  ['findFirstOrThrow', (p, c) => p.user.findFirstOrThrow({ orderBy: { id: 'desc' }, ...c })],
  ['findMany', (p, c) => p.user.findMany({ orderBy: { id: 'asc' }, ...c })],
  ['count', (p, c) => p.user.count({ ...c })],
  ['aggregate', (p, c) => p.order.aggregate({ _sum: { total: true }, _max: { placedAt: true }, ...c })],
  ['groupBy', (p, c) => p.user.groupBy({ by: ['role'], _count: { _all: true }, orderBy: { role: 'asc' }, ...c })],
]

/** Runs `read` twice and reports the statuses and how many SQL statements each call sent. */
async function twice(read: () => ReturnType<Read>) {
  db.executions.reset()
  const first = await read().withCacheInfo()
  const afterFirst = db.executions.total
  const second = await read().withCacheInfo()
  return { first, second, firstExecutions: afterFirst, secondExecutions: db.executions.total - afterFirst }
}

describe.each(CLUSTER_KINDS)('reads on the %s store', (kind: StoreKind) => {
  const client = (options: CachedClientOptions = {}) => cachedClient(db, kind, options).prisma

  describe.each(READS)('%s', (_name, read) => {
    it('is served from the cache on the second call with cache: true', async () => {
      const prisma = client()
      const r = await twice(() => read(prisma, { cache: true }))
      expect(r.first.info.status).toBe('miss')
      expect(r.firstExecutions).toBeGreaterThan(0)
      expect(r.second.info.status).toBe('hit')
      expect(r.secondExecutions).toBe(0)
      expect(r.second.data).toStrictEqual(r.first.data)
    })

    it('runs on the database both times without cache in opt-in mode', async () => {
      const prisma = client()
      const r = await twice(() => read(prisma, {}))
      expect([r.first.info.status, r.second.info.status]).toEqual(['bypass', 'bypass'])
      expect(r.secondExecutions).toBe(r.firstExecutions)
      expect(r.secondExecutions).toBeGreaterThan(0)
    })

    it("is cached without the option in mode 'all'", async () => {
      const prisma = client({ mode: 'all' })
      const r = await twice(() => read(prisma, {}))
      expect(r.second.info.status).toBe('hit')
      expect(r.secondExecutions).toBe(0)
    })

    it("is not cached with cache: false in mode 'all'", async () => {
      const prisma = client({ mode: 'all' })
      const r = await twice(() => read(prisma, { cache: false }))
      expect(r.second.info.status).toBe('bypass')
      expect(r.secondExecutions).toBe(r.firstExecutions)
    })

    it("is not cached in mode 'all' when its model's policy is false", async () => {
      const prisma = client({ mode: 'all', models: { User: false, Order: false } })
      const r = await twice(() => read(prisma, {}))
      expect(r.second.info.status).toBe('bypass')
      expect(r.secondExecutions).toBe(r.firstExecutions)
    })
  })

  it('returns exactly what the database returns, for every read', async () => {
    const prisma = client()
    for (const [, read] of READS) {
      const fromDb = (await read(prisma, {}).withCacheInfo()).data // no cache option: straight from the database
      await read(prisma, { cache: true }).withCacheInfo()
      const hit = await read(prisma, { cache: true }).withCacheInfo()
      expect(hit.info.status).toBe('hit')
      expect(hit.data).toStrictEqual(fromDb)
    }
  })

  it('caches a read that found nothing, and findUniqueOrThrow still throws on a miss', async () => {
    const prisma = client()
    const r = await twice(() => prisma.user.findUnique({ where: { id: 999_999 }, cache: true }))
    expect(r.second).toEqual({ data: null, info: expect.objectContaining({ status: 'hit' }) })
    expect(r.secondExecutions).toBe(0)
    await expect(prisma.user.findUniqueOrThrow({ where: { id: 999_999 }, cache: true })).rejects.toThrow()
  })
})

describe.each(['first', 'before an extension applied first'] as const)('withCacheInfo() on a read that already started, the cache applied %s', (position) => {
  const client = () => {
    const base = position === 'first' ? db.prisma : db.prisma.$extends({ query: { $allModels: { $allOperations: ({ args, query }) => query(args) } } })
    return base.$extends(cacheExtension({ namespace: uniqueNamespace() }))
  }

  it('reports how the read was served when called twice on the same promise', async () => {
    const prisma = client()
    await prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true })
    const read = prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true })
    const first = await read.withCacheInfo()
    const second = await read.withCacheInfo()
    expect(first.info.status).toBe('hit')
    expect(second).toEqual(first)
    const miss = prisma.user.count({ where: { name: 'Ada' }, cache: true })
    const [a, b] = await Promise.all([miss.withCacheInfo(), miss.withCacheInfo()]) // both before the read started
    expect(a.info.status).toBe('miss')
    expect(b).toEqual(a)
  })

  // Below an extension applied first, the query hook serves the read and reports only into a
  // running withCacheInfo(): a read awaited before that has nothing to report, and says bypass.
  it.runIf(position === 'first')('reports how the read was served after it was awaited', async () => {
    const prisma = client()
    await prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true })
    const read = prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true })
    const data = await read
    expect(await read.withCacheInfo()).toEqual({ data, info: expect.objectContaining({ status: 'hit' }) })
  })
})

describe('configuration errors through the extension', () => {
  it('models naming an unknown model throws CacheConfigError with path models.Nope when $extends is called', () => {
    const extension = cacheExtension({ models: { Nope: false } })
    let error: unknown
    try {
      db.prisma.$extends(extension)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheConfigError).path).toBe('models.Nope')
  })

  it.each<[unknown, string]>([
    [{ ttl: -1 }, 'cache.ttl'],
    [{ nope: 1 }, 'cache.nope'],
    [{ tags: [1] }, 'cache.tags'],
  ])('a read with cache: %j rejects with CacheConfigError at %s and sends no SQL', async (cache, path) => {
    const { prisma } = cachedClient(db, 'memory')
    db.executions.reset()
    const read = prisma.user.findMany({ cache } as never)
    await expect(read).rejects.toBeInstanceOf(CacheConfigError)
    await expect(read).rejects.toMatchObject({ path })
    expect(db.executions.total).toBe(0)
  })
  it('a read method taken off its model throws CacheConfigError naming the read, and sends no SQL', () => {
    const { prisma } = cachedClient(db, 'memory')
    const { findMany } = prisma.user
    db.executions.reset()
    let error: unknown
    try {
      void findMany({ cache: true } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheConfigError).path).toBe('findMany')
    expect((error as Error).message).toMatch(/call it on its model/)
    expect(db.executions.total).toBe(0)
  })
})
