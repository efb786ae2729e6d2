// providers: postgres — exercises the cache store, which does not depend on the database
/** Large values are compressed on their way to Redis, and kept as they are in process memory. */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEntry } from '../../src/codec/entry.js'
import { redisStore, tieredStore } from '../../src/index.js'
import { cachedClient, STORE_KINDS, testRedis, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.tag.createMany({ data: Array.from({ length: 400 }, (_, i) => ({ name: `compressible tag name number ${i}` })) })
})
afterAll(() => db?.drop())

describe.each(STORE_KINDS)('a 400-row result on the %s store', (kind: StoreKind) => {
  it(`is ${kind === 'redis' ? 'stored compressed' : 'stored uncompressed'}, and hits equal the database`, async () => {
    const { prisma, store } = cachedClient(db, kind, { compressAbove: 1024 })
    const read = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const first = await read()
    await prisma.$cache.settle()
    const [stored] = await store.mget([first.info.key!])
    const entry = parseEntry(stored!)
    expect(entry.header.compressed).toBe(kind === 'redis')
    db.executions.reset()
    const hit = await read()
    expect(hit.info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect(hit.data).toEqual(await db.sql('SELECT id, name FROM "Tag" ORDER BY id'))
  })
})

describe('a 400-row result on the tiered store', () => {
  it('is compressed in Redis and held decompressed in L1 after its first hit, so later local hits never inflate', async () => {
    const bus = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
    const store = tieredStore({ l2: redisStore({ client: testRedis() }), bus })
    try {
      const { prisma } = cachedClient(db, 'redis', { store, compressAbove: 1024 })
      await waitForBus(store)
      const read = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
      const first = await read()
      await prisma.$cache.settle()
      const key = first.info.key!
      expect(parseEntry((await store.l2.mget([key]))[0]!).header.compressed).toBe(true)
      db.executions.reset()
      const hit = await read()
      expect(hit.info.status).toBe('hit')
      const local = store.l1.peek([key])
      expect(local, 'the entry is held in L1').toBeDefined()
      expect(parseEntry(local![0]!).header.compressed, 'L1 holds the inflated entry').toBe(false)
      expect(parseEntry((await store.l2.mget([key]))[0]!).header.compressed, 'Redis still holds the compressed one').toBe(true)
      const again = await read()
      expect(again.info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
      expect(again.data).toEqual(await db.sql('SELECT id, name FROM "Tag" ORDER BY id'))
    } finally {
      await store.close()
      bus.disconnect()
    }
  })
})

async function waitForBus(store: ReturnType<typeof tieredStore>): Promise<void> {
  for (let i = 0; i < 200 && !store.bus.healthy; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(store.bus.healthy).toBe(true)
}
