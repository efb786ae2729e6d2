import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheEvent } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { expectSameData } from '../helpers/exact.js'
import { Prisma } from '../generated/prisma/client.js'
import { provider, unsafeSql } from '../helpers/provider.js'

let db: TestDatabase
let productId: number

const RELEASED = new Date('2024-02-29T23:59:58.987Z')
const STOCK = 2n ** 62n + 3n // far above Number.MAX_SAFE_INTEGER
/** Json with nested nulls and an own `__proto__` key, written as JSON text so no JS object sets a prototype. */
const ATTRIBUTES = '{"__proto__": {"admin": true}, "sizes": [1, null, {"eu": null}], "nested": {"a": null}}'

beforeAll(async () => {
  db = await createTestDatabase()
  const category = await db.prisma.category.create({ data: { name: 'Tools' } })
  const product = await db.prisma.product.create({
    data: { sku: 'SKU-1', name: 'Hammer', price: new Prisma.Decimal('1234567890.12'), stock: STOCK, image: new Uint8Array([0, 1, 2, 250, 255]), status: 'PUBLISHED', releasedAt: RELEASED, categoryId: category.id },
  })
  await db.prisma.$executeRawUnsafe(unsafeSql(`UPDATE "Product" SET attributes = $1${provider === 'postgres' ? '::jsonb' : ''} WHERE id = $2`), ATTRIBUTES, product.id)
  productId = product.id
})
afterAll(() => db?.drop())

describe.each(STORE_KINDS)('values on the %s store', (kind: StoreKind) => {
  const read = (prisma: ReturnType<typeof cachedClient>['prisma']) =>
    prisma.product.findUnique({ where: { id: productId }, include: { category: true }, cache: true }).withCacheInfo()

  it('a hit is deep-equal to the database result, prototypes included', async () => {
    const { prisma } = cachedClient(db, kind)
    const fromDb = await db.prisma.product.findUnique({ where: { id: productId }, include: { category: true } })
    await read(prisma)
    const { data: hit, info } = await read(prisma)
    expect(info.status).toBe('hit')
    expect(hit).toStrictEqual(fromDb)
    expect(hit!.releasedAt).toBeInstanceOf(Date)
    expect(hit!.releasedAt!.getTime()).toBe(RELEASED.getTime())
    expect(typeof hit!.stock).toBe('bigint')
    expect(hit!.stock).toBe(STOCK)
    expect(hit!.price).toBeInstanceOf(Prisma.Decimal)
    expect(hit!.price.toFixed(2)).toBe('1234567890.12')
    expect(hit!.image).toBeInstanceOf(Uint8Array)
    expect([...hit!.image!]).toEqual([0, 1, 2, 250, 255])
    expect(hit!.status).toBe('PUBLISHED')
    expect(hit!.category?.name).toBe('Tools')
  })

  it('keeps an own __proto__ key of a Json column as data, with Object.prototype as the prototype', async () => {
    const { prisma } = cachedClient(db, kind)
    const fromDb = await db.prisma.product.findUnique({ where: { id: productId } })
    await read(prisma)
    const attributes = (await read(prisma)).data!.attributes as Record<string, unknown>
    expect(Object.getOwnPropertyNames(attributes)).toContain('__proto__')
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype)
    expect((attributes as { admin?: unknown }).admin).toBeUndefined()
    expectSameData(attributes, fromDb!.attributes)
  })

  it('mutating a returned hit does not change the next hit', async () => {
    const { prisma } = cachedClient(db, kind)
    const first = (await read(prisma)).data!
    const hit = (await read(prisma)).data!
    hit.name = 'changed'
    hit.releasedAt!.setTime(0)
    hit.image![0] = 99
    ;((hit.attributes as Record<string, unknown>).sizes as unknown[]).push('extra')
    hit.category!.name = 'changed'
    first.name = 'changed too'
    const next = await read(prisma)
    expect(next.info.status).toBe('hit')
    expect(next.data!.name).toBe('Hammer')
    expect(next.data!.releasedAt).toEqual(RELEASED)
    expect(next.data!.image![0]).toBe(0)
    expect((next.data!.attributes as { sizes: unknown[] }).sizes).toEqual([1, null, { eu: null }])
    expect(next.data!.category!.name).toBe('Tools')
  })

  it('caches enums, BigInt ids and aggregates of Decimals exactly', async () => {
    const { prisma } = cachedClient(db, kind)
    const log = await db.prisma.auditLog.create({ data: { id: 2n ** 60n + BigInt(kind.length), action: 'seed' } })
    const readLog = () => prisma.auditLog.findUnique({ where: { id: log.id }, cache: true }).withCacheInfo()
    const readSum = () => prisma.product.aggregate({ _sum: { price: true, stock: true }, cache: true }).withCacheInfo()
    await readLog()
    await readSum()
    const [logHit, sumHit] = [await readLog(), await readSum()]
    expect([logHit.info.status, sumHit.info.status]).toEqual(['hit', 'hit'])
    expect(logHit.data).toStrictEqual(log)
    expect(sumHit.data).toStrictEqual(await db.prisma.product.aggregate({ _sum: { price: true, stock: true } }))
    expect(sumHit.data._sum.price).toBeInstanceOf(Prisma.Decimal)
  })

  it('returns a result above maxEntryBytes without caching it: skip event, next read misses again', async () => {
    const { prisma } = cachedClient(db, kind, { maxEntryBytes: 64 })
    const skips: CacheEvent[] = []
    prisma.$cache.on('skip', (e) => skips.push(e))
    const fromDb = await db.prisma.product.findMany()
    db.executions.reset()
    const first = await prisma.product.findMany({ cache: true }).withCacheInfo()
    const second = await prisma.product.findMany({ cache: true }).withCacheInfo()
    expect(first.data).toStrictEqual(fromDb)
    expect(second.data).toStrictEqual(fromDb)
    expect([first.info.status, second.info.status]).toEqual(['miss', 'miss'])
    expect(db.executions.total).toBe(2)
    await prisma.$cache.settle() // a memory store encodes (and so skips) after the read has its answer
    expect(skips).toHaveLength(2)
    expect(skips[0]).toMatchObject({ model: 'Product', operation: 'findMany' })
    expect(prisma.$cache.stats().skips).toBe(2)
  })
})
