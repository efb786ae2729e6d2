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
