import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { rawWriteInvalidations } from '../../src/dependencies/raw-tables.js'
import { buildSchemaGraph } from '../../src/dependencies/schema-graph.js'

const graph = buildSchemaGraph(readFileSync(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8'), {})
const tags = (sql: string) => rawWriteInvalidations(graph, sql)?.sort()

describe('raw SQL writes mapped to models (raw: by-table)', () => {
  // An UPDATE (or an INSERT ... ON CONFLICT DO UPDATE) may re-key rows, which reaches the join table.
  const TAG_WRITE = ['m:Tag', 'm:_PostToTag', 'r:Tag:*']

  it('maps INSERT, UPDATE and MERGE to every row of the named model', () => {
    expect(tags('INSERT INTO "Tag" (name) VALUES ($1)')).toEqual(TAG_WRITE)
    expect(tags('  update public."Tag" SET name = $1 WHERE id = $2;')).toEqual(TAG_WRITE)
    expect(tags('MERGE INTO "AuditLog" a USING (SELECT 1) s ON false WHEN NOT MATCHED THEN INSERT (action) VALUES ($1)')).toEqual(['m:AuditLog', 'r:AuditLog:*'])
    expect(tags('UPDATE "Category" SET name = $1')).toEqual(expect.arrayContaining(['m:Category', 'm:Product']))
  })

  it('follows referential actions: deleting users reaches profiles, orders, order items, posts, referrals', () => {
    const deleted = tags('DELETE FROM "User" WHERE id = $1')!
    for (const model of ['User', 'Profile', 'Order', 'OrderItem', 'Post']) expect(deleted).toContain(`m:${model}`)
    expect(deleted).toContain('m:_PostToTag')
    expect(deleted).not.toContain('m:Product')
  })

  it('maps an implicit many-to-many join table to its link tag', () => {
    expect(tags('DELETE FROM "_PostToTag" WHERE "A" = $1')).toEqual(['m:_PostToTag'])
  })

  it('maps TRUNCATE of several tables', () => {
    expect(tags('TRUNCATE TABLE "AuditLog", "Tag" RESTART IDENTITY')).toEqual(expect.arrayContaining(['m:AuditLog', 'm:Tag']))
  })

  it('is case-exact for quoted names and folds unquoted ones, as PostgreSQL does', () => {
    expect(tags('UPDATE tag SET name = $1')).toBeUndefined() // the table is "Tag", not tag
    expect(tags('UPDATE "Tag" SET name = $1 -- ; DROP TABLE x')).toEqual(TAG_WRITE)
  })

  it.each([
    ['several statements', 'UPDATE "Tag" SET name = $1; DELETE FROM "User"'],
    ['a writable CTE', 'WITH d AS (DELETE FROM "User" RETURNING id) UPDATE "Tag" SET name = $1'],
    ['a function call', 'SELECT reset_everything()'],
    ['DDL', 'ALTER TABLE "Tag" ADD COLUMN x int'],
    ['an unknown table', 'UPDATE "Nope" SET a = 1'],
    ['TRUNCATE ... CASCADE', 'TRUNCATE "User" CASCADE'],
    ['an unterminated comment', 'UPDATE "Tag" SET name = $1 /* x'],
    ['an unterminated literal', `UPDATE "Tag" SET name = 'x`],
  ])('returns undefined (invalidate everything) for %s', (_name, sql) => {
    expect(tags(sql)).toBeUndefined()
  })

  it('keeps a semicolon inside a string literal from splitting the statement', () => {
    expect(tags(`UPDATE "Tag" SET name = 'a;b'`)).toEqual(TAG_WRITE)
  })
})

/** The shop on another provider, with the tables renamed so that case matters. */
function graphOf(provider: 'mysql' | 'sqlite', schema = readFileSync(new URL(`../../prisma/${provider}/schema.prisma`, import.meta.url), 'utf8')) {
  return buildSchemaGraph(schema, {})
}

describe('raw: by-table on MySQL/MariaDB', () => {
  const mysqlGraph = graphOf('mysql')
  const mysql = (sql: string) => rawWriteInvalidations(mysqlGraph, sql)?.sort()
  const TAG_WRITE = ['m:Tag', 'm:_PostToTag', 'r:Tag:*']
  const TAG_DELETE = rawWriteInvalidations(mysqlGraph, 'DELETE FROM `Tag`')!.sort()

  it('knows the provider from the schema', () => {
    expect(mysqlGraph.provider).toBe('mysql')
  })

  it('reads backtick-quoted names, qualified or not, and unquoted ones', () => {
    expect(mysql('UPDATE `Tag` SET `name` = ?')).toEqual(TAG_WRITE)
    expect(mysql('UPDATE `shop_db`.`Tag` SET name = ? WHERE id = ?')).toEqual(TAG_WRITE)
    expect(mysql('update Tag set name = ?')).toEqual(TAG_WRITE)
    expect(mysql('DELETE FROM `_PostToTag` WHERE `A` = ?')).toEqual(['m:_PostToTag'])
    expect(mysql('INSERT INTO `Tag` (`name`) VALUES (?)')).toEqual(TAG_WRITE)
  })

  it('matches names without regard to case (lower_case_table_names may fold them; a wrong case is no table at all)', () => {
    expect(mysql('UPDATE `tag` SET name = ?')).toEqual(TAG_WRITE)
    expect(mysql('UPDATE TAG SET name = ?')).toEqual(TAG_WRITE)
  })

  it("maps MySQL's INSERT forms: INTO optional, IGNORE, ON DUPLICATE KEY UPDATE, INSERT ... SET", () => {
    expect(mysql('INSERT IGNORE INTO `Tag` (name) VALUES (?)')).toEqual(TAG_WRITE)
    expect(mysql('INSERT `Tag` (name) VALUES (?)')).toEqual(TAG_WRITE)
    expect(mysql('INSERT LOW_PRIORITY INTO Tag SET name = ?')).toEqual(TAG_WRITE)
    expect(mysql('INSERT INTO `Tag` (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)')).toEqual(TAG_WRITE)
  })

  it('maps REPLACE as a delete: it deletes the conflicting row first, which cascades', () => {
    expect(mysql('REPLACE INTO `Tag` (id, name) VALUES (?, ?)')).toEqual(TAG_DELETE)
    expect(mysql('REPLACE `Tag` SET id = ?, name = ?')).toEqual(TAG_DELETE)
    const users = mysql('REPLACE INTO `User` (id, email, name) VALUES (?, ?, ?)')!
    for (const model of ['User', 'Profile', 'Order', 'OrderItem', 'Post']) expect(users).toContain(`m:${model}`)
  })

  it('maps the single-table UPDATE / DELETE options (LOW_PRIORITY, QUICK, IGNORE, ORDER BY, LIMIT)', () => {
    expect(mysql('UPDATE LOW_PRIORITY IGNORE `Tag` SET name = ? ORDER BY id LIMIT 1')).toEqual(TAG_WRITE)
    expect(mysql('DELETE LOW_PRIORITY QUICK IGNORE FROM `Tag` WHERE id = ? LIMIT 1')).toEqual(TAG_DELETE)
    expect(mysql('DELETE FROM `Tag` AS t WHERE t.id = ?')).toEqual(TAG_DELETE)
    expect(mysql('UPDATE `Tag` t SET t.name = ?')).toEqual(TAG_WRITE)
  })

  it.each([
    ['a multi-table UPDATE (comma)', 'UPDATE `Tag`, `User` SET `Tag`.name = `User`.name'],
    ['a multi-table UPDATE (JOIN)', 'UPDATE `Tag` JOIN `User` ON `User`.id = `Tag`.id SET `User`.name = ?'],
    ['a multi-table DELETE (DELETE a, b FROM)', 'DELETE `Tag`, `User` FROM `Tag` JOIN `User` ON `User`.id = `Tag`.id'],
    ['a multi-table DELETE (FROM a, b USING)', 'DELETE FROM `Tag`, `User` USING `Tag` JOIN `User` ON `User`.id = `Tag`.id'],
    ['an executable comment', 'UPDATE `Tag` SET name = ? /*!50000 , x = 1 */'],
    ['a MariaDB executable comment', 'UPDATE `Tag` SET name = ? /*M! , x = 1 */'],
    ['a backslash escape in a literal', "UPDATE `Tag` SET name = 'a\\'; DELETE FROM `User` -- '"],
    ['a backslash escape in a double-quoted literal', 'UPDATE `Tag` SET name = "a\\"; DELETE FROM `User` -- "'],
    ['an unknown table', 'UPDATE `Nope` SET a = 1'],
    ['an unterminated backtick', 'UPDATE `Tag SET a = 1'],
    ['a brackets name (not MySQL)', 'UPDATE [Tag] SET name = ?'],
  ])('returns undefined (invalidate everything) for %s', (_name, sql) => {
    expect(mysql(sql)).toBeUndefined()
  })

  it('keeps a semicolon inside a backtick-quoted name or a literal from splitting the statement', () => {
    expect(mysql("UPDATE `Tag` SET name = 'a;b' WHERE `name` <> \"c;d\"")).toEqual(TAG_WRITE)
  })

  it('matches an @@map name exactly as mapped, in any case, and not the model name', () => {
    const mapped = graphOf('mysql', readFileSync(new URL('../../prisma/mysql/schema.prisma', import.meta.url), 'utf8').replace(/(model Tag \{[^}]*)\}/, '$1  @@map("shop_tags")\n}'))
    expect(rawWriteInvalidations(mapped, 'UPDATE `shop_tags` SET name = ?')?.sort()).toEqual(TAG_WRITE)
    expect(rawWriteInvalidations(mapped, 'UPDATE `Shop_Tags` SET name = ?')?.sort()).toEqual(TAG_WRITE)
    expect(rawWriteInvalidations(mapped, 'UPDATE `Tag` SET name = ?')).toBeUndefined()
  })
})

describe('raw: by-table on SQLite', () => {
  const sqliteGraph = graphOf('sqlite')
  const sqlite = (sql: string) => rawWriteInvalidations(sqliteGraph, sql)?.sort()
  const TAG_WRITE = ['m:Tag', 'm:_PostToTag', 'r:Tag:*']
  const TAG_DELETE = rawWriteInvalidations(sqliteGraph, 'DELETE FROM "Tag"')!.sort()

  it('reads double quotes, backticks and brackets, in any case, as SQLite does', () => {
    expect(sqlite('UPDATE "Tag" SET name = ?')).toEqual(TAG_WRITE)
    expect(sqlite('UPDATE `Tag` SET name = ?')).toEqual(TAG_WRITE)
    expect(sqlite('UPDATE [Tag] SET name = ?')).toEqual(TAG_WRITE)
    expect(sqlite('UPDATE main.tag SET name = ?')).toEqual(TAG_WRITE)
  })

  it("maps SQLite's conflict clauses: INSERT OR REPLACE / REPLACE INTO / UPDATE OR REPLACE delete, the others update", () => {
    expect(sqlite('INSERT OR REPLACE INTO "Tag" (id, name) VALUES (?, ?)')).toEqual(TAG_DELETE)
    expect(sqlite('REPLACE INTO "Tag" (id, name) VALUES (?, ?)')).toEqual(TAG_DELETE)
    expect(sqlite('UPDATE OR REPLACE "Tag" SET name = ?')).toEqual(TAG_DELETE)
    expect(sqlite('INSERT OR IGNORE INTO "Tag" (name) VALUES (?)')).toEqual(TAG_WRITE)
    expect(sqlite('UPDATE OR ROLLBACK "Tag" SET name = ?')).toEqual(TAG_WRITE)
    expect(sqlite('INSERT INTO "Tag" (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name')).toEqual(TAG_WRITE)
  })

  it.each([
    ['a CTE', 'WITH x AS (SELECT 1) DELETE FROM "Tag"'],
    ['an unknown table', 'DELETE FROM [Nope]'],
    ['an unterminated bracket', 'DELETE FROM [Tag'],
  ])('returns undefined (invalidate everything) for %s', (_name, sql) => {
    expect(sqlite(sql)).toBeUndefined()
  })
})

describe('raw: by-table on PostgreSQL keeps its own rules', () => {
  it.each([
    ['a backtick-quoted name', 'UPDATE `Tag` SET name = $1'],
    ['a bracket-quoted name', 'UPDATE [Tag] SET name = $1'],
    ['a dollar-quoted literal that hides a second statement', 'UPDATE "Tag" SET name = $$--$$; DELETE FROM "User"'],
    ['a tagged dollar quote', 'UPDATE "Tag" SET name = $q$x$q$'],
    ['an E-string with a backslash escape', "UPDATE \"Tag\" SET name = E'\\'; DELETE FROM \"User\" --'"],
    ['a multi-table-looking UPDATE', 'UPDATE "Tag", "User" SET name = $1'],
  ])('returns undefined for %s', (_name, sql) => {
    expect(tags(sql)).toBeUndefined()
  })

  it('knows the provider', () => {
    expect(graph.provider).toBe('postgresql')
  })

  it('accepts UPDATE ... FROM and DELETE ... USING, which change only the named table in PostgreSQL', () => {
    expect(tags('UPDATE "Tag" t SET name = u.name FROM "User" u WHERE u.id = t.id')).toEqual(['m:Tag', 'm:_PostToTag', 'r:Tag:*'])
    expect(tags('DELETE FROM "Tag" USING "User" WHERE "User".id = "Tag".id')).toEqual(rawWriteInvalidations(graph, 'DELETE FROM "Tag"')!.sort())
  })
})

describe('raw: by-table with multiSchema', () => {
  const multi = buildSchemaGraph(readFileSync(new URL('../../prisma/multi-schema/schema.prisma', import.meta.url), 'utf8'), {})
  const multiTags = (sql: string) => rawWriteInvalidations(multi, sql)?.sort()

  it('a schema-qualified name picks the model of that schema among models sharing a table name', () => {
    expect(multi.models.get('AuthEvent')?.schema).toBe('auth')
    expect(multiTags('DELETE FROM auth.events')).toEqual(['m:AuthEvent', 'r:AuthEvent:*'])
    expect(multiTags('DELETE FROM "shop"."events"')).toEqual(['m:ShopEvent', 'r:ShopEvent:*'])
  })

  it('an unqualified shared name invalidates every model that has it', () => {
    expect(multiTags('DELETE FROM events')).toEqual(['m:AuthEvent', 'm:ShopEvent', 'r:AuthEvent:*', 'r:ShopEvent:*'])
  })

  it('a qualifier naming no schema of the table is not understood', () => {
    expect(multiTags('DELETE FROM public.events')).toBeUndefined()
  })

  it('follows cascades across schemas', () => {
    const deleted = multiTags('DELETE FROM auth."Account" WHERE id = $1')!
    for (const tag of ['m:Account', 'm:Order', 'm:Line', 'm:_AccountToLabel']) expect(deleted).toContain(tag)
  })
})
