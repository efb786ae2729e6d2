// providers: postgres — exercises the cache's API and read path, which do not depend on the database (not yet tried on MySQL/SQLite)
/**
 * withAccelerate() as an app leaving Prisma Accelerate meets it: the reads, invalidations and
 * logging of test/accelerate/app.ts (Accelerate code with only the import changed) behave as
 * Accelerate documents them — and writes invalidate on their own. Database executions are
 * counted at the driver adapter, below every extension.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { withAccelerate, type AccelerateInfo } from '../../src/accelerate/index.js'
import { CacheConfigError, type CacheOptions } from '../../src/index.js'
import {
  afterImport, auditTrail, catalog, checkout, loggedCatalog, priceTag, renameProduct, stockBadge, taggedOnly, type AppClient,
} from '../accelerate/app.js'
import { makeStore, STORE_KINDS, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let ids: { book: number; pen: number; lamp: number; books: number; user: number }

beforeAll(async () => {
  db = await createTestDatabase()
  const books = await db.prisma.category.create({ data: { name: 'Books' } })
  const office = await db.prisma.category.create({ data: { name: 'Office' } })
  const product = (sku: string, price: string, categoryId: number, status: 'PUBLISHED' | 'DRAFT') =>
    db.prisma.product.create({ data: { sku, name: sku, price, stock: 10n, categoryId, status } })
  const book = await product('BOOK', '12.50', books.id, 'PUBLISHED')
  const pen = await product('PEN', '1.20', office.id, 'PUBLISHED')
  const lamp = await product('LAMP', '30.00', office.id, 'DRAFT')
  const user = await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })
  await db.prisma.order.create({ data: { userId: user.id, total: '13.70' } })
  ids = { book: book.id, pen: pen.id, lamp: lamp.id, books: books.id, user: user.id }
})
afterAll(() => db?.drop())

/** The app's client on a fresh store of `kind`, in a namespace of its own (2 s store deadline for a loaded CI). */
function appClient(kind: StoreKind, options: CacheOptions = {}): AppClient {
  return db.prisma.$extends(withAccelerate({ store: makeStore(kind), namespace: uniqueNamespace(), timeouts: { store: 2000 }, ...options }))
}

/** Changes a row without telling any cache (the raw client has no extension). */
const behindTheCache = (id: number, data: { name?: string; stock?: bigint; price?: string }) => db.prisma.product.update({ where: { id }, data })

/** Resolves at the next `set` event (a background refresh stored its value). */
function nextSet(prisma: AppClient): Promise<void> {
  return new Promise((resolve) => {
    const listener = () => {
      prisma.$cache.off('set', listener)
      resolve()
    }
    prisma.$cache.on('set', listener)
  })
}

const READ_NAMES = ['product', 'productOrThrow', 'cheapest', 'firstInCategory', 'published', 'publishedCount', 'revenue', 'byStatus'] as const
type ReadName = (typeof READ_NAMES)[number]
const call = (prisma: AppClient, name: ReadName) => {
  const reads = catalog(prisma)
  switch (name) {
    case 'product': return reads.product(ids.book)
    case 'productOrThrow': return reads.productOrThrow('PEN')
    case 'firstInCategory': return reads.firstInCategory(ids.books)
    default: return reads[name]()
  }
}

describe.each(STORE_KINDS)('withAccelerate() on the %s store', (kind: StoreKind) => {
  beforeEach(() => db.executions.reset())

  it.each(READ_NAMES)('%s with cacheStrategy is a miss, then a ttl hit that does not reach the database', async (name) => {
    const prisma = appClient(kind)
    const first = await call(prisma, name).withAccelerateInfo()
    expect(first.info?.cacheStatus).toBe('miss')
    expect(db.executions.total).toBeGreaterThan(0)
    db.executions.reset()
    const second = await call(prisma, name).withAccelerateInfo()
    const plain = await call(prisma, name)
    expect(second.info?.cacheStatus).toBe('ttl')
    expect(db.executions.total).toBe(0)
    expect(second.data).toEqual(first.data)
    expect(plain).toEqual(first.data)
  })

  it('a read without cacheStrategy is not cached: cacheStatus none, each call reaches the database', async () => {
    const prisma = appClient(kind)
    const first = await auditTrail(prisma).withAccelerateInfo()
    const second = await auditTrail(prisma).withAccelerateInfo()
    expect([first.info?.cacheStatus, second.info?.cacheStatus]).toEqual(['none', 'none'])
    expect(db.executions.reads).toBe(2)
    expect(second.info?.signature).toBe('unspecified')
  })

  it('a cacheStrategy with tags and no ttl or swr is not cached, as on Accelerate', async () => {
    const prisma = appClient(kind)
    await taggedOnly(prisma)
    const again = await taggedOnly(prisma).withAccelerateInfo()
    expect(again.info?.cacheStatus).toBe('none')
    expect(db.executions.reads).toBe(2)
  })

  it('$accelerate.invalidate({ tags }) makes the tagged reads miss, leaves other tags cached, and resolves a requestId', async () => {
    const prisma = appClient(kind)
    const reads = catalog(prisma)
    await reads.published()
    await reads.revenue()
    await behindTheCache(ids.pen, { name: 'Pen v2' })
    expect((await reads.published().withAccelerateInfo()).info?.cacheStatus).toBe('ttl') // nothing told the cache
    const result = await prisma.$accelerate.invalidate({ tags: ['catalog'] })
    expect(result).toEqual({ requestId: expect.any(String) })
    const published = await reads.published().withAccelerateInfo()
    expect(published.info?.cacheStatus).toBe('miss')
    expect(published.data.find((p) => p.id === ids.pen)?.name).toBe('Pen v2')
    expect((await reads.revenue().withAccelerateInfo()).info?.cacheStatus).toBe('ttl')
  })

  it('invalidateAll() makes every cached read miss', async () => {
    const prisma = appClient(kind)
    for (const name of READ_NAMES) await call(prisma, name)
    const requestId = await afterImport(prisma)
    expect(typeof requestId).toBe('string')
    for (const name of READ_NAMES) expect((await call(prisma, name).withAccelerateInfo()).info?.cacheStatus, name).toBe('miss')
  })

  it('writes invalidate by themselves: the next read is fresh without $accelerate.invalidate', async () => {
    const prisma = appClient(kind)
    const reads = catalog(prisma)
    expect(await reads.publishedCount()).toBe(2)
    await reads.byStatus()
    await prisma.product.update({ where: { id: ids.lamp }, data: { status: 'PUBLISHED' } })
    try {
      const count = await reads.publishedCount().withAccelerateInfo()
      expect(count).toMatchObject({ data: 3, info: { cacheStatus: 'miss' } })
      const byStatus = await reads.byStatus()
      expect(byStatus.map((g) => [g.status, g._count._all])).toEqual([['PUBLISHED', 3]])
    } finally {
      await db.prisma.product.update({ where: { id: ids.lamp }, data: { status: 'DRAFT' } })
    }
  })

  it('the write path of an Accelerate app (write, then invalidate tags) still works', async () => {
    const prisma = appClient(kind)
    const reads = catalog(prisma)
    await reads.product(ids.book)
    const requestId = await renameProduct(prisma, ids.book, 'Book v2')
    expect(typeof requestId).toBe('string')
    const after = await reads.product(ids.book).withAccelerateInfo()
    expect(after).toMatchObject({ data: { name: 'Book v2' }, info: { cacheStatus: 'miss' } })
    await db.prisma.product.update({ where: { id: ids.book }, data: { name: 'BOOK' } })
  })

  it('{ swr } alone serves the stored value as swr and refreshes it in the background', async () => {
    const prisma = appClient(kind)
    const first = await stockBadge(prisma, ids.pen).withAccelerateInfo()
    expect(first).toMatchObject({ data: { stock: 10n }, info: { cacheStatus: 'miss' } })
    await prisma.$cache.settle() // the first fill's own `set` lands after it returns (Redis)
    await behindTheCache(ids.pen, { stock: 11n })
    db.executions.reset()
    const refreshed = nextSet(prisma)
    const stale = await stockBadge(prisma, ids.pen).withAccelerateInfo()
    expect(stale).toMatchObject({ data: { stock: 10n }, info: { cacheStatus: 'swr' } })
    await refreshed
    expect(db.executions.reads).toBe(1) // the background refresh
    const next = await stockBadge(prisma, ids.pen).withAccelerateInfo()
    expect(next).toMatchObject({ data: { stock: 11n }, info: { cacheStatus: 'swr' } })
    await behindTheCache(ids.pen, { stock: 10n })
  })

  it('{ ttl, swr }: fresh hits are ttl, after ttl the stale hit is swr and one refresh runs', async () => {
    const prisma = appClient(kind)
    expect((await priceTag(prisma, ids.lamp, 0.2, 60).withAccelerateInfo()).info?.cacheStatus).toBe('miss')
    expect((await priceTag(prisma, ids.lamp, 0.2, 60).withAccelerateInfo()).info?.cacheStatus).toBe('ttl')
    await sleep(400)
    db.executions.reset()
    const refreshed = nextSet(prisma)
    expect((await priceTag(prisma, ids.lamp, 0.2, 60).withAccelerateInfo()).info?.cacheStatus).toBe('swr')
    await refreshed
    expect(db.executions.reads).toBe(1)
    expect((await priceTag(prisma, ids.lamp, 0.2, 60).withAccelerateInfo()).info?.cacheStatus).toBe('ttl')
  })

  it('withAccelerateInfo() reports when the value was read, a local region, a random requestId and a stable signature', async () => {
    const prisma = appClient(kind)
    const infos: (AccelerateInfo | null)[] = []
    const before = Date.now()
    await loggedCatalog(prisma, (info) => infos.push(info))
    await prisma.$cache.settle() // a Redis miss stores its entry after returning
    await sleep(50)
    const hitStart = Date.now()
    await loggedCatalog(prisma, (info) => infos.push(info))
    const other = await catalog(prisma).publishedCount().withAccelerateInfo()
    const [miss, hit] = infos as [AccelerateInfo, AccelerateInfo]
    expect([miss.cacheStatus, hit.cacheStatus]).toEqual(['miss', 'ttl'])
    expect(miss.lastModified).toBeInstanceOf(Date)
    for (const info of [miss, hit]) {
      expect(info.lastModified.getTime()).toBeGreaterThanOrEqual(before)
      expect(info.lastModified.getTime()).toBeLessThan(hitStart) // the hit reports when its entry was stored, not its own time
    }
    expect(miss.region).toBe('local')
    expect(miss.requestId).not.toBe(hit.requestId)
    expect(miss.signature).toMatch(/^[0-9a-f]{32}$/)
    expect(hit.signature).toBe(miss.signature)
    expect(other.info?.signature).not.toBe(miss.signature)
  })

  it('reads inside an interactive transaction accept cacheStrategy, report none, and the writes invalidate on commit', async () => {
    const prisma = appClient(kind)
    const before = await catalog(prisma).revenue()
    const { order, status } = await checkout(prisma, ids.pen, ids.user)
    expect(status).toBe('none')
    const after = await catalog(prisma).revenue().withAccelerateInfo()
    expect(after.info?.cacheStatus).toBe('miss')
    expect(after.data._count).toBe(before._count + 1)
    await db.prisma.order.delete({ where: { id: order.id } })
  })

  it('an extension stacked after withAccelerate() sees the misses, not the hits, and cacheStrategy still works', async () => {
    const seen: string[] = []
    const prisma = appClient(kind).$extends({
      query: { $allOperations: ({ model, operation, args, query }) => (seen.push(`${model}.${operation}`), query(args)) },
    })
    const first = await prisma.product.count({ cacheStrategy: { ttl: 60, tags: ['catalog'] } }).withAccelerateInfo()
    const second = await prisma.product.count({ cacheStrategy: { ttl: 60, tags: ['catalog'] } }).withAccelerateInfo()
    expect([first.info?.cacheStatus, second.info?.cacheStatus]).toEqual(['miss', 'ttl'])
    expect(seen).toEqual(['Product.count'])
    await prisma.$accelerate.invalidate({ tags: ['catalog'] })
    expect((await prisma.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()).info?.cacheStatus).toBe('miss')
  })

  it('reads with cacheStrategy run in a batch $transaction', async () => {
    const prisma = appClient(kind)
    const [count, product] = await prisma.$transaction([
      prisma.product.count({ cacheStrategy: { ttl: 60 } }),
      prisma.product.findUnique({ where: { id: ids.book }, cacheStrategy: { ttl: 60, tags: ['product'] } }),
    ])
    expect(count).toBe(3)
    expect(product?.id).toBe(ids.book)
  })

  it('withAccelerateInfo() runs in a batch $transaction, uncached, and reports none', async () => {
    const prisma = appClient(kind)
    const batch = prisma.$transaction([
      prisma.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo(),
      prisma.product.findUnique({ where: { id: ids.book }, cacheStrategy: { ttl: 60 } }).withAccelerateInfo(),
      prisma.product.count(),
    ])
    const hang = sleep(5000, undefined, { ref: false }).then(() => 'still pending after 5 s')
    const [count, product, plain] = await Promise.race([batch, hang.then((message) => Promise.reject(new Error(message)))])
    expect([count.data, count.info?.cacheStatus, count.info?.region]).toEqual([3, 'none', 'local'])
    expect([product.data?.id, product.info?.cacheStatus]).toEqual([ids.book, 'none'])
    expect(plain).toBe(3)
    expect((await prisma.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()).info?.cacheStatus).toBe('miss')
    const invalid = prisma.$transaction([prisma.product.count({ cacheStrategy: { ttl: -1 } }).withAccelerateInfo()])
    await expect(invalid).rejects.toBeInstanceOf(CacheConfigError)
  })
})

describe('Accelerate tag rules and option checks', () => {
  const prisma = () => appClient('memory')
  const rejects = async (run: () => PromiseLike<unknown>, path: string) => {
    const error = await Promise.resolve().then(run).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(CacheConfigError)
    expect((error as CacheConfigError).path).toBe(path)
  }

  it('accepts tags of letters, digits and underscores up to 64 characters, 5 per read', async () => {
    const client = prisma()
    const tags = ['a', 'B_2', 'x'.repeat(64), 'd', 'e'] as const
    const read = await client.product.count({ cacheStrategy: { ttl: 60, tags } }).withAccelerateInfo()
    expect(read.info?.cacheStatus).toBe('miss')
    await client.$accelerate.invalidate({ tags })
    expect((await client.product.count({ cacheStrategy: { ttl: 60, tags } }).withAccelerateInfo()).info?.cacheStatus).toBe('miss')
  })

  it('rejects other tags on a read with CacheConfigError naming cacheStrategy.tags, without querying', async () => {
    const client = prisma()
    db.executions.reset()
    await rejects(() => client.product.findMany({ cacheStrategy: { ttl: 60, tags: ['has-dash'] } }), 'cacheStrategy.tags')
    await rejects(() => client.product.findMany({ cacheStrategy: { ttl: 60, tags: ['x'.repeat(65)] } }), 'cacheStrategy.tags')
    await rejects(() => client.product.findMany({ cacheStrategy: { ttl: 60, tags: [''] } }), 'cacheStrategy.tags')
    await rejects(() => client.product.findMany({ cacheStrategy: { ttl: 60, tags: ['a', 'b', 'c', 'd', 'e', 'f'] } }).withAccelerateInfo(), 'cacheStrategy.tags')
    expect(db.executions.total).toBe(0)
  })

  it('rejects other tags in $accelerate.invalidate', async () => {
    const client = prisma()
    await rejects(() => client.$accelerate.invalidate({ tags: ['white space'] }), '$accelerate.invalidate().tags')
    await rejects(() => client.$accelerate.invalidate({ tags: ['a', 'b', 'c', 'd', 'e', 'f'] }), '$accelerate.invalidate().tags')
  })

  it('rejects a negative ttl, an unknown strategy option, and cacheStrategy together with cache', async () => {
    const client = prisma()
    await rejects(() => client.product.count({ cacheStrategy: { ttl: -1 } }), 'cacheStrategy.ttl')
    // @ts-expect-error -- `tll` is not a cacheStrategy option
    await rejects(() => client.product.count({ cacheStrategy: { tll: 5 } }), 'cacheStrategy.tll')
    await rejects(() => client.product.count({ cacheStrategy: { ttl: 5 }, cache: true }), 'cacheStrategy')
  })

  it("accepts Accelerate's fetch option and ignores it: the cache makes no HTTP request", async () => {
    let calls = 0
    const fetch = (...args: Parameters<typeof globalThis.fetch>) => (calls++, globalThis.fetch(...args))
    const client = db.prisma.$extends(withAccelerate({ fetch, store: makeStore('memory'), namespace: uniqueNamespace() }))
    const reads = [await client.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo(), await client.product.count({ cacheStrategy: { ttl: 60 } }).withAccelerateInfo()]
    expect(reads.map((r) => r.info?.cacheStatus)).toEqual(['miss', 'ttl'])
    expect(calls).toBe(0)
    expect(() => withAccelerate({ fetch, ttl: 60, tll: 5 } as never)).toThrow(CacheConfigError) // other options are still checked
  })
})
