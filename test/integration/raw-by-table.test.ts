import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { provider, sql, unsafeSql, type Provider } from '../helpers/provider.js'

let db: TestDatabase
let tagId: number
beforeAll(async () => {
  db = await createTestDatabase()
  tagId = (await db.prisma.tag.create({ data: { name: 'raw-by-table' } })).id
  await db.prisma.user.create({ data: { email: 'raw@by.table', name: 'Raw' } })
})
afterAll(() => db?.drop())

let seq = 0

/** A write `raw: 'by-table'` cannot read, in each dialect: a CTE, or MySQL's multi-table UPDATE (MariaDB has no CTE before UPDATE). */
const NOT_UNDERSTOOD: Record<Provider, string> = {
  postgres: 'WITH t AS (SELECT 1) UPDATE "Tag" SET name = name',
  sqlite: 'WITH t AS (SELECT 1) UPDATE "Tag" SET name = name',
  mysql: 'UPDATE `Tag`, `User` SET `Tag`.name = `Tag`.name WHERE `User`.id = 0',
}

/**
 * Each dialect's own spellings of a write to Tag. The parameters are an existing tag id and a new
 * name, in that order, or the other way round where marked (`?` are positional); `DB` stands for
 * the database's name.
 */
const DIALECT_WRITES: Record<Provider, [string, string, ('name first')?][]> = {
  postgres: [
    ['UPDATE of a schema-qualified quoted name', 'UPDATE public."Tag" SET name = $2 WHERE id = $1'],
    ['INSERT ... ON CONFLICT DO UPDATE', 'INSERT INTO "Tag" (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name'],
  ],
  mysql: [
    ['UPDATE of a backtick-quoted name', 'UPDATE `Tag` SET `name` = ? WHERE `id` = ?', 'name first'],
    ['UPDATE of a backtick-quoted name qualified by the database', 'UPDATE `DB`.`Tag` SET `name` = ? WHERE `id` = ?', 'name first'],
    ['UPDATE of an unquoted mixed-case name', 'UPDATE Tag SET name = ? WHERE id = ?', 'name first'],
    ['INSERT ... ON DUPLICATE KEY UPDATE', 'INSERT INTO `Tag` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)'],
    ['REPLACE INTO', 'REPLACE INTO `Tag` (`id`, `name`) VALUES (?, ?)'],
  ],
  sqlite: [
    ['UPDATE of a bracket-quoted name', 'UPDATE [Tag] SET name = ? WHERE id = ?', 'name first'],
    ['UPDATE of a backtick-quoted name', 'UPDATE `Tag` SET name = ? WHERE id = ?', 'name first'],
    ['INSERT OR REPLACE', 'INSERT OR REPLACE INTO "Tag" (id, name) VALUES (?, ?)'],
    ['REPLACE INTO of a lower-case name', 'REPLACE INTO tag (id, name) VALUES (?, ?)'],
  ],
}

describe.each(STORE_KINDS)("raw: 'by-table' on the %s store", (kind: StoreKind) => {
  async function setup() {
    const { prisma } = cachedClient(db, kind, { raw: 'by-table' })
    const tags = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const users = () => prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    await tags()
    await users()
    return { prisma, tags, users }
  }

  it('a raw UPDATE of one table makes its model fresh and leaves other models cached', async () => {
    const { prisma, tags, users } = await setup()
    const name = `renamed-${kind}-${Date.now()}`
    await prisma.$executeRaw(sql`UPDATE "Tag" SET name = ${name} WHERE id = ${tagId}`)
    const fresh = await tags()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data.map((t) => t.name)).toEqual((await db.sql<{ name: string }>('SELECT name FROM "Tag" ORDER BY id')).map((r) => r.name))
    expect((await users()).info.status).toBe('hit')
  })

  it('a statement it does not understand invalidates every model', async () => {
    const { prisma, tags, users } = await setup()
    await prisma.$executeRawUnsafe(NOT_UNDERSTOOD[provider])
    expect((await tags()).info.status).toBe('miss')
    expect((await users()).info.status).toBe('miss')
  })

  it('a raw DELETE reaches what the foreign keys cascade to', async () => {
    const { prisma } = await setup()
    const user = await db.prisma.user.create({ data: { email: `gone-${kind}@by.table`, name: 'Gone', orders: { create: { total: '1.00' } } } })
    const orders = () => prisma.order.findMany({ where: { userId: user.id }, cache: true }).withCacheInfo()
    expect((await orders()).data).toHaveLength(1)
    await prisma.$executeRaw(sql`DELETE FROM "User" WHERE id = ${user.id}`)
    const after = await orders()
    expect(after.info.status).toBe('miss')
    expect(after.data).toEqual([])
  })

  it.each(DIALECT_WRITES[provider])('%s makes Tag fresh and leaves User cached', async (_label, statement, order) => {
    const { prisma, tags, users } = await setup()
    const id = tagId
    expect((await tags()).info.status).toBe('hit')
    const name = `dialect-${kind}-${++seq}`
    await prisma.$executeRawUnsafe(statement.replace('DB', new URL(db.url).pathname.slice(1)), ...(order ? [name, id] : [id, name]))
    const fresh = await tags()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data.map((t) => t.name)).toEqual((await db.sql<{ name: string }>('SELECT name FROM "Tag" ORDER BY id')).map((r) => r.name))
    expect((await users()).info.status).toBe('hit')
  })

  it('a $queryRaw that writes (INSERT ... RETURNING) invalidates like $executeRaw; a $queryRaw SELECT invalidates nothing', async () => {
    const { prisma, tags, users } = await setup()
    await prisma.$queryRaw(sql`SELECT count(*) FROM "Tag"`)
    await prisma.$queryRawUnsafe(unsafeSql('/* report */ SELECT id FROM "User"'))
    expect((await tags()).info.status).toBe('hit')
    expect((await users()).info.status).toBe('hit')
    const name = `returned-${kind}-${Date.now()}`
    // INSERT ... RETURNING: PostgreSQL, SQLite and MariaDB all have it (MariaDB has no UPDATE ... RETURNING).
    const returned = await prisma.$queryRaw<{ name: string }[]>(sql`INSERT INTO "Tag" (name) VALUES (${name}) RETURNING name`)
    expect(returned[0]?.name).toBe(name)
    const fresh = await tags()
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data.map((t) => t.name)).toContain(name)
    expect((await users()).info.status).toBe('hit')
  })
})
