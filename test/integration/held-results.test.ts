// providers: postgres — exercises the cache's read path, which does not depend on the database
/**
 * Hits after the first copy the value decoded from the same stored entry instead of decoding it
 * again (`results: 'copy'`, the default). Each hit is still a fresh, exactly typed copy that a
 * caller may mutate, and a stored entry that changed is decoded, never answered from what was held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeEntry, parseEntry, serializeValue } from '../../src/codec/entry.js'
import { Prisma } from '../generated/prisma/client.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
const RELEASED = new Date('2024-02-29T23:59:58.987Z')
const STOCK = 2n ** 62n + 3n

beforeAll(async () => {
  db = await createTestDatabase()
  const category = await db.prisma.category.create({ data: { name: 'Tools' } })
  for (let i = 0; i < 30; i++) {
    await db.prisma.product.create({
      data: { sku: `SKU-${i}`, name: `Hammer ${i}`, price: new Prisma.Decimal(`${i}.05`), stock: STOCK + BigInt(i), image: new Uint8Array([0, i, 255]), releasedAt: new Date(RELEASED.getTime() + i), attributes: { sizes: [i, null, { eu: null }] }, categoryId: category.id },
    })
  }
})
afterAll(() => db?.drop())

const read = (prisma: CachedClient) => prisma.product.findMany({ orderBy: { id: 'asc' }, include: { category: true }, cache: true }).withCacheInfo()
const fromDb = () => db.prisma.product.findMany({ orderBy: { id: 'asc' }, include: { category: true } })

describe.each(STORE_KINDS)('hits of a 30-row include result on the %s store, compressed on Redis', (kind: StoreKind) => {
  const options = { compressAbove: 1024 }

  it('every hit is a fresh copy equal to the database, with exact types, however earlier hits were mutated', async () => {
    const { prisma } = cachedClient(db, kind, options)
    const expected = await fromDb()
    await read(prisma)
    await prisma.$cache.settle()
    const hits = []
    for (let i = 0; i < 4; i++) {
      const hit = await read(prisma)
      expect(hit.info.status).toBe('hit')
      expect(hit.data).toStrictEqual(expected)
      expect(hits.some((earlier) => earlier === hit.data || earlier[0] === hit.data[0] || earlier[0]!.category === hit.data[0]!.category)).toBe(false)
      const [first] = hit.data
      expect(first!.price).toBeInstanceOf(Prisma.Decimal)
      expect(typeof first!.stock).toBe('bigint')
      expect(first!.releasedAt).toBeInstanceOf(Date)
      expect(first!.image).toBeInstanceOf(Uint8Array)
      // Mutate everything mutable: the next hit must not see any of it.
      first!.name = 'changed'
      first!.releasedAt!.setTime(0)
      first!.image![1] = 99
      ;((first!.attributes as { sizes: unknown[] }).sizes).push('extra')
      first!.category!.name = 'changed'
      hit.data.pop()
      hits.push(hit.data)
    }
  })

  it('a stored entry replaced under the same key is decoded afresh, never answered from the held value', async () => {
    const { prisma, store } = cachedClient(db, kind, options)
    const first = await read(prisma)
    await prisma.$cache.settle()
    expect((await read(prisma)).info.status).toBe('hit') // now held
    const key = first.info.key!
    const { header } = parseEntry((await store.mget([key]))[0]!)
    const replaced = (await fromDb()).map((product) => ({ ...product, name: `${product.name} (replaced)` }))
    const { deps, createdAt, freshUntil, staleUntil } = header
    const encoded = await encodeEntry(serializeValue(replaced), { deps, createdAt, freshUntil, staleUntil }, { maxBytes: 1 << 24, compressAbove: kind === 'memory' ? 0 : 1024 })
    await store.set(key, encoded!, 60_000)
    const hit = await read(prisma)
    expect(hit.info.status).toBe('hit')
    expect(hit.data).toStrictEqual(replaced)
    expect((await read(prisma)).data).toStrictEqual(replaced)
  })
})
