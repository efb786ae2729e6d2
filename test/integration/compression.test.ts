/** Large values are deflated on their way to Redis, and kept as they are in process memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEntry } from '../../src/codec/entry.js'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.tag.createMany({ data: Array.from({ length: 400 }, (_, i) => ({ name: `compressible tag name number ${i}` })) })
})
afterAll(() => db?.drop())

describe.each(STORE_KINDS)('a 400-row result on the %s store', (kind: StoreKind) => {
  it(`is ${kind === 'redis' ? 'stored deflated' : 'stored uncompressed'}, and hits equal the database`, async () => {
    const { prisma, store } = cachedClient(db, kind, { compressAbove: 1024 })
    const read = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const first = await read()
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
