// providers: postgres, sqlite — its gate holds SELECTs on Tag, and on MySQL an update's own read-back SELECT (no RETURNING) would be held with them
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

let seq = 0

/** Reads of one Tag row: by primary key (row-precise entry) and as a list (model-wide entry). */
const READS: [string, (p: CachedClient, id: number) => Promise<{ data: { name: string } | null; info: { status: string } }>][] = [
  ['findUnique', (p, id) => p.tag.findUnique({ where: { id }, cache: true }).withCacheInfo()],
  ['findMany', async (p, id) => {
    const { data, info } = await p.tag.findMany({ where: { id }, cache: true }).withCacheInfo()
    return { data: data[0] ?? null, info }
  }],
]

const nameInDatabase = async (id: number) => (await db.sql<{ name: string }>('SELECT name FROM "Tag" WHERE id = $1', [id]))[0]!.name

describe.each(STORE_KINDS)('a read racing an update on the %s store', (kind: StoreKind) => {
  describe.each(READS)('%s', (_name, read) => {
    it.each(['cold', 'warm'])('stores nothing a later read accepts when the update lands mid-query (%s versions)', async (versions) => {
      const { prisma } = cachedClient(db, kind)
      const tag = await db.prisma.tag.create({ data: { name: `before-${++seq}` } })
      if (versions === 'warm') {
        // Entry and versions exist; an unrelated write expires the entry but keeps the versions known.
        await read(prisma, tag.id)
        await prisma.$cache.invalidate({ models: ['Tag'] })
      }
      const held = holdSelects(db, '"Tag"')
      const slow = read(prisma, tag.id)
      await held.arrived
      await prisma.tag.update({ where: { id: tag.id }, data: { name: `after-${seq}` } })
      held.release()
      const raced = await slow
      expect([tag.name, `after-${seq}`]).toContain(raced.data?.name)
      const later = await read(prisma, tag.id)
      expect(later.data?.name).toBe(await nameInDatabase(tag.id))
      expect(later.data?.name).toBe(`after-${seq}`)
    })

    it('a read started after the update resolved never joins the query started before it', async () => {
      const { prisma } = cachedClient(db, kind)
      const tag = await db.prisma.tag.create({ data: { name: `before-${++seq}` } })
      const held = holdSelects(db, '"Tag"')
      const slow = read(prisma, tag.id)
      await held.arrived
      await prisma.tag.update({ where: { id: tag.id }, data: { name: `after-${seq}` } })
      const fresh = read(prisma, tag.id)
      held.release()
      await slow
      expect((await fresh).data?.name).toBe(`after-${seq}`)
      expect((await read(prisma, tag.id)).data?.name).toBe(await nameInDatabase(tag.id))
    })
  })
})
