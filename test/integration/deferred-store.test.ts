// providers: postgres — exercises the cache's miss path on a memory store, which does not depend on the database
/**
 * On a memory store, a miss hands its caller the database's result first and encodes and stores
 * the entry after (on the next turn of the event loop, or sooner, at the first access to its key).
 * Nothing about that may be visible but the timing of the `set` event: the caller may change its
 * result at once, a read of the key right after finds the entry, through any client on the store,
 * and a write right after the miss is never hidden by the entry landing later.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore, type CacheEvent } from '../../src/index.js'
import { Prisma } from '../generated/prisma/client.js'
import { cachedClient, uniqueNamespace, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
  const category = await db.prisma.category.create({ data: { name: 'Tools' } })
  for (let i = 0; i < 10; i++) {
    await db.prisma.product.create({
      data: { sku: `SKU-${i}`, name: `Saw ${i}`, price: new Prisma.Decimal(`${i}.25`), stock: 2n ** 60n + BigInt(i), image: new Uint8Array([i, 7]), releasedAt: new Date(Date.UTC(2024, 0, 1 + i)), attributes: { teeth: [i, { set: null }] }, categoryId: category.id },
    })
  }
})
afterAll(() => db?.drop())

const read = (prisma: CachedClient) => prisma.product.findMany({ orderBy: { id: 'asc' }, include: { category: true }, cache: true }).withCacheInfo()
const fromDb = () => db.prisma.product.findMany({ orderBy: { id: 'asc' }, include: { category: true } })

describe('a miss on a memory store stores its entry after its caller has the result', () => {
  it('stores on the next turn: no set event when the read resolves, one after', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const sets: CacheEvent[] = []
    prisma.$cache.on('set', (event) => sets.push(event))
    expect((await read(prisma)).info.status).toBe('miss')
    expect(sets).toHaveLength(0)
    await nextTurn()
    expect(sets).toHaveLength(1)
  })

  it('the caller may change its result at once: the entry holds what the database returned', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const expected = await fromDb()
    db.executions.reset()
    const { data, info } = await read(prisma)
    expect(info.status).toBe('miss')
    const missReads = db.executions.reads
    // Before the entry is encoded: change everything mutable of the caller's result.
    data[0]!.name = 'changed'
    data[0]!.releasedAt!.setTime(0)
    data[0]!.image![0] = 99
    ;(data[0]!.attributes as { teeth: unknown[] }).teeth.push('extra')
    data[0]!.category!.name = 'changed'
    data.pop()
    const hit = await read(prisma)
    expect(hit.info.status).toBe('hit')
    expect(hit.data).toStrictEqual(expected)
    expect(typeof hit.data[0]!.stock).toBe('bigint')
    expect(db.executions.reads).toBe(missReads)
  })

  it('a read right after the miss, through the same or another client on the store, is a hit', async () => {
    const store = memoryStore()
    const namespace = uniqueNamespace()
    const first = cachedClient(db, 'memory', { store, namespace }).prisma
    const second = cachedClient(db, 'memory', { store, namespace }).prisma
    db.executions.reset()
    expect((await read(first)).info.status).toBe('miss')
    const missReads = db.executions.reads
    const [again, other] = [await read(first), await read(second)]
    expect([again.info.status, other.info.status]).toEqual(['hit', 'hit'])
    expect(db.executions.reads).toBe(missReads)
    expect(other.data).toStrictEqual(await fromDb())
  })

  it('a write right after the miss is never hidden by the entry landing later', async () => {
    const { prisma } = cachedClient(db, 'memory')
    expect((await read(prisma)).info.status).toBe('miss')
    const product = await db.prisma.product.findFirstOrThrow({ orderBy: { id: 'asc' } })
    await prisma.product.update({ where: { id: product.id }, data: { name: 'renamed' } })
    await nextTurn() // the entry lands now, under the versions captured before the update
    const after = await read(prisma)
    expect(after.info.status).toBe('miss')
    expect(after.data[0]!.name).toBe('renamed')
    expect(after.data).toStrictEqual(await fromDb())
  })
})
