// providers: postgres, sqlite — MySQL: the DDL renderer (scripts/mysql-ddl.ts) still emits foreign keys for relationMode = "prisma"
/**
 * `relationMode = "prisma"` (PlanetScale/Vitess style): the database has no foreign keys, Prisma
 * emulates the referential actions with statements of its own, and the cache — which reads the
 * actions from the schema, not from the database — must invalidate what the emulation changes:
 * two-level cascades, SetNull, the implicit many-to-many link, an emulated onUpdate cascade, and a
 * delete Restrict refuses. On each provider, with prisma/relation-mode/schema.prisma (derived for
 * MySQL and SQLite). Each fresh read is compared with an uncached read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, type CacheInfo } from '../../src/index.js'
import { makeStore, STORE_KINDS, uniqueNamespace, type StoreKind } from '../helpers/cached-client.js'
import { createDatabaseFor, type ClientClass, type TestDatabase } from '../helpers/database.js'
import { provider, type Provider } from '../helpers/provider.js'
import type { PrismaClient } from '../generated/relation-mode/client.js'

/** The relation-mode schema on each provider: its folder under prisma/ and its generated client. */
const SCHEMA: Record<Provider, { folder: string; client: () => Promise<{ PrismaClient: unknown }> }> = {
  postgres: { folder: 'relation-mode', client: () => import('../generated/relation-mode/client.js') },
  mysql: { folder: 'relation-mode-mysql', client: () => import('../generated/relation-mode-mysql/client.js') },
  sqlite: { folder: 'relation-mode-sqlite', client: () => import('../generated/relation-mode-sqlite/client.js') },
}

let db: TestDatabase<PrismaClient>
beforeAll(async () => {
  const { PrismaClient } = (await SCHEMA[provider].client()) as { PrismaClient: ClientClass<PrismaClient> }
  db = await createDatabaseFor(SCHEMA[provider].folder, PrismaClient)
})
afterAll(() => db?.drop())

let seq = 0

interface World {
  author: number
  other: number
  publisher: number
  book: number
  otherBook: number
  genre: number
}

/** author writes book (2 chapters, published by publisher, genre); other writes otherBook (1 sale, same genre). */
async function makeWorld(): Promise<World> {
  const n = ++seq
  const p = db.prisma
  const publisher = await p.publisher.create({ data: { name: `pub${n}` } })
  const genre = await p.genre.create({ data: { name: `genre${n}` } })
  const author = await p.author.create({ data: { name: `author${n}` } })
  const other = await p.author.create({ data: { name: `other${n}` } })
  const book = await p.book.create({
    data: { title: `book${n}`, authorId: author.id, publisherId: publisher.id, genres: { connect: { id: genre.id } }, chapters: { create: [{ number: 1, title: 'one' }, { number: 2, title: 'two' }] } },
  })
  const otherBook = await p.book.create({ data: { title: `other${n}`, authorId: other.id, genres: { connect: { id: genre.id } }, sales: { create: {} } } })
  return { author: author.id, other: other.id, publisher: publisher.id, book: book.id, otherBook: otherBook.id, genre: genre.id }
}

it('the database has no foreign keys: a book of a missing author is accepted by SQL', async () => {
  await db.sql('INSERT INTO "Book" (title, "authorId") VALUES ($1, $2)', ['orphan', 987_654])
  expect(await db.sql('SELECT id FROM "Book" WHERE "authorId" = $1', [987_654])).toHaveLength(1)
})


const cachedOn = (kind: StoreKind) => db.prisma.$extends(cacheExtension({ store: makeStore(kind), namespace: uniqueNamespace(), timeouts: { store: 2000 } }))

describe.each(STORE_KINDS)('relationMode = "prisma" on the %s store', (kind: StoreKind) => {
  let prisma: ReturnType<typeof cachedOn>
  beforeAll(() => {
    prisma = cachedOn(kind)
  })
  const client = () => prisma

  type Read = (w: World, cache: boolean) => Promise<{ data: unknown; info: CacheInfo }>
  const books: Read = (w, cache) => client().book.findMany({ where: { id: { in: [w.book, w.otherBook] } }, orderBy: { id: 'asc' }, cache }).withCacheInfo()
  const chapter: Read = (w, cache) => client().chapter.findUnique({ where: { bookId_number: { bookId: w.book, number: 2 } }, cache }).withCacheInfo()
  const genreWithBooks: Read = (w, cache) => client().genre.findUnique({ where: { id: w.genre }, include: { books: { orderBy: { id: 'asc' } } }, cache }).withCacheInfo()
  const bookWithPublisher: Read = (w, cache) => client().book.findUnique({ where: { id: w.book }, include: { publisher: true }, cache }).withCacheInfo()
  const publishers: Read = (w, cache) => client().publisher.findUnique({ where: { id: w.publisher }, cache }).withCacheInfo()
  const otherAuthor: Read = (w, cache) => client().author.findUnique({ where: { id: w.other }, cache }).withCacheInfo()

  async function prime(w: World, reads: Read[]): Promise<unknown[]> {
    const before: unknown[] = []
    for (const read of reads) {
      before.push((await read(w, true)).data)
      expect((await read(w, true)).info.status).toBe('hit')
    }
    return before
  }

  async function expectFresh(w: World, read: Read, before: unknown, label: string): Promise<void> {
    db.executions.reset()
    const after = await read(w, true)
    expect(after.info.status, `${label} after the write`).toBe('miss')
    expect(db.executions.reads, `${label} queried the database`).toBeGreaterThan(0)
    expect(after.data, `${label} equals an uncached read`).toEqual((await read(w, false)).data)
    expect(after.data, `${label} changed`).not.toEqual(before)
  }

  async function expectHit(w: World, read: Read, label: string): Promise<void> {
    db.executions.reset()
    expect((await read(w, true)).info.status, `${label} stays a hit`).toBe('hit')
    expect(db.executions.total, `${label} sent no SQL`).toBe(0)
  }

  it('author.delete: the emulated Cascade reaches books, their chapters (compound id) and the many-to-many link', async () => {
    const w = await makeWorld()
    const reads = [books, chapter, genreWithBooks]
    const before = await prime(w, [...reads, publishers, otherAuthor])
    await client().author.delete({ where: { id: w.author } })
    expect(await db.sql('SELECT "bookId" FROM "Chapter" WHERE "bookId" = $1', [w.book])).toHaveLength(0)
    for (const [i, read] of reads.entries()) await expectFresh(w, read, before[i], ['books', 'chapter', 'genre include books'][i]!)
    await expectHit(w, publishers, 'publisher')
    await expectHit(w, otherAuthor, 'the other author')
  })

  it('publisher.delete: the emulated SetNull reaches the book', async () => {
    const w = await makeWorld()
    const [before] = await prime(w, [bookWithPublisher, otherAuthor])
    await client().publisher.delete({ where: { id: w.publisher } })
    await expectFresh(w, bookWithPublisher, before, 'book include publisher')
    expect(((await bookWithPublisher(w, false)).data as { publisherId: number | null }).publisherId).toBeNull()
    await expectHit(w, otherAuthor, 'an author')
  })

  it('genre.delete: the emulated link removal reaches books that include genres', async () => {
    const w = await makeWorld()
    const withGenres: Read = (world, cache) => client().book.findUnique({ where: { id: world.book }, include: { genres: true }, cache }).withCacheInfo()
    const [before] = await prime(w, [withGenres, chapter])
    await client().genre.delete({ where: { id: w.genre } })
    await expectFresh(w, withGenres, before, 'book include genres')
    await expectHit(w, chapter, 'a chapter')
  })

  it('author.update of its id: the emulated onUpdate Cascade rewrites the books', async () => {
    const w = await makeWorld()
    const [before] = await prime(w, [books, publishers])
    await client().author.update({ where: { id: w.author }, data: { id: -w.author } })
    expect(await db.sql('SELECT id FROM "Book" WHERE "authorId" = $1', [-w.author])).toHaveLength(1)
    await expectFresh(w, books, before, 'books')
    await expectHit(w, publishers, 'publisher')
  })

  it('a delete the emulated Restrict refuses changes nothing and invalidates nothing', async () => {
    const w = await makeWorld()
    await prime(w, [books, genreWithBooks])
    await expect(client().book.delete({ where: { id: w.otherBook } })).rejects.toMatchObject({ code: expect.stringMatching(/^P20(03|14)$/) })
    expect(await db.sql('SELECT id FROM "Book" WHERE id = $1', [w.otherBook])).toHaveLength(1)
    await expectHit(w, books, 'books')
    await expectHit(w, genreWithBooks, 'genre include books')
  })
})
