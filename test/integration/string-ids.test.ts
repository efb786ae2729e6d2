// providers: mysql — MySQL's default collations compare strings without case and trailing spaces; PostgreSQL's and SQLite's compare them exactly
/**
 * A natural string primary key (`Coupon.code`) on a case- and pad-insensitive collation: 'SAVE10',
 * 'save10' and 'save10 ' name one row, so a read or a write may spell the key differently from
 * the stored row. Row tags are spelled from keys, so a key the database has not confirmed (taken
 * from `where` while `select` or `omit` left it out of the result) must not decide a row tag on
 * its own: such a read depends on the model, and such a write invalidates every row entry of it.
 * Each read after a write is compared with an uncached read, and "hit" means no statement was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

let seq = 0

/** A coupon of its own, stored in lower case; returns its stored code. */
async function makeCoupon(percent: number): Promise<string> {
  const code = `save${++seq}`
  await db.prisma.coupon.create({ data: { code, percent } })
  return code
}

const truth = (code: string) => db.prisma.coupon.findUnique({ where: { code }, select: { percent: true } })

describe.each(STORE_KINDS)('string primary keys on a case-insensitive collation, %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  /** Reads twice: the second read must be a hit, so the entry is in the store. */
  async function cached(read: () => Promise<{ data: unknown; info: CacheInfo }>): Promise<unknown> {
    const first = await read()
    db.executions.reset()
    const second = await read()
    expect(second.info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    return first.data
  }

  it('the collation is what this file is about: another spelling of the key finds the row', async () => {
    const code = await makeCoupon(5)
    expect(await db.prisma.coupon.findUnique({ where: { code: `${code.toUpperCase()} ` } })).toEqual({ code, percent: 5 })
  })

  it('a read by another spelling, its key left out of the result, is fresh after a write by the stored one', async () => {
    const code = await makeCoupon(10)
    const read = () => prisma.coupon.findUnique({ where: { code: code.toUpperCase() }, select: { percent: true }, cache: true }).withCacheInfo()
    expect(await cached(read)).toEqual({ percent: 10 })
    await prisma.coupon.update({ where: { code }, data: { percent: 11 } })
    const { data } = await read()
    expect(data).toEqual(await truth(code))
    expect(data).toEqual({ percent: 11 })
  })

  it('a write by another spelling, its key left out of the result (select or omit), leaves no stale entry under the stored one', async () => {
    const code = await makeCoupon(20)
    const read = () => prisma.coupon.findUnique({ where: { code }, cache: true }).withCacheInfo()
    expect(await cached(read)).toEqual({ code, percent: 20 })
    await prisma.coupon.update({ where: { code: `${code.toUpperCase()} ` }, data: { percent: 21 }, select: { percent: true } })
    expect((await read()).data).toEqual({ code, percent: 21 })
    await cached(read)
    await prisma.coupon.update({ where: { code: code.toUpperCase() }, data: { percent: 22 }, omit: { code: true } })
    expect((await read()).data).toEqual({ code, percent: 22 })
  })

  it('a write whose result holds the key keeps row precision, however it spelled the key: another coupon\'s entry stays a hit', async () => {
    const code = await makeCoupon(30)
    const other = await makeCoupon(40)
    const read = () => prisma.coupon.findUnique({ where: { code }, cache: true }).withCacheInfo()
    await cached(read)
    await prisma.coupon.update({ where: { code: other.toUpperCase() }, data: { percent: 41 } })
    db.executions.reset()
    expect((await read()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
  })
})
