/**
 * Row precision (guarantee 5): a findUnique/findUniqueOrThrow entry for one row survives writes to
 * other rows of its model (update/upsert/delete by a unique key) and is fresh after any write to
 * its own row, however that row was addressed (id, unique email, compound unique, nested write);
 * bulk writes invalidate every row; a lookup that found nothing is fresh after a create of that
 * row; changing a unique field leaves no stale entry under the old or the new value; list reads of
 * the model are fresh after every write. With `precision: 'model'` every write to the model
 * invalidates every entry.
 *
 * "Fresh" is checked against a direct SQL read; "hit" means 0 statements reached PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, CLUSTER_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(() => db?.drop())

let seq = 0

interface Person {
  id: number
  email: string
  name: string
}

/** Three users of their own: the row under test, a neighbour, and a bystander. */
async function makeUsers(): Promise<{ prefix: string; one: Person; two: Person; three: Person }> {
  const prefix = `r${++seq}-`
  const make = (label: string) => db.prisma.user.create({ data: { email: `${prefix}${label}@example.com`, name: label }, select: { id: true, email: true, name: true } })
  return { prefix, one: await make('one'), two: await make('two'), three: await make('three') }
}

/** The user row straight from PostgreSQL (id, email, name), or null. */
async function userRow(where: { id: number } | { email: string }): Promise<Person | null> {
  const [column, value] = 'id' in where ? ['id', where.id] : ['email', where.email]
  const rows = await db.sql<Person>(`SELECT id, email, name FROM "User" WHERE ${column} = $1`, [value])
  return rows[0] ?? null
}

const person = (data: unknown): Person | null => {
  if (data === null) return null
  const { id, email, name } = data as Person
  return { id, email, name }
}

type Answer = Promise<{ data: unknown; info: CacheInfo }>

/** Asserts `read` is served from the cache: status hit, no statement sent. */
async function expectHit(read: () => Answer, label = 'read'): Promise<unknown> {
  db.executions.reset()
  const { data, info } = await read()
  expect(info.status, `${label} is a hit`).toBe('hit')
  expect(db.executions.total, `${label} sent no SQL`).toBe(0)
  return data
}

/** Asserts `read` went to PostgreSQL and agrees with it. */
async function expectFresh(read: () => Answer, truth: () => Promise<unknown>, label = 'read'): Promise<unknown> {
  db.executions.reset()
  const { data, info } = await read()
  expect(info.status, `${label} is a miss`).toBe('miss')
  expect(db.executions.reads, `${label} queried PostgreSQL`).toBeGreaterThan(0)
  expect(data, `${label} equals PostgreSQL`).toEqual(await truth())
  return data
}

/** Reads once (filling the entry) and checks the second read is a hit. */
async function prime(read: () => Answer, label = 'read'): Promise<void> {
  await read()
  await expectHit(read, label)
}

describe.each(CLUSTER_KINDS)('row precision on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  const byId = (id: number) => async () => {
    const { data, info } = await prisma.user.findUnique({ where: { id }, select: { id: true, email: true, name: true }, cache: true }).withCacheInfo()
    return { data: person(data), info }
  }
  const byIdOrThrow = (id: number) => async () => {
    const { data, info } = await prisma.user.findUniqueOrThrow({ where: { id }, select: { id: true, email: true, name: true }, cache: true }).withCacheInfo()
    return { data: person(data), info }
  }
  const byEmail = (email: string) => async () => {
    const { data, info } = await prisma.user.findUnique({ where: { email }, select: { id: true, email: true, name: true }, cache: true }).withCacheInfo()
    return { data: person(data), info }
  }
  const byEmailOrThrow = (email: string) => async () => {
    const { data, info } = await prisma.user.findUniqueOrThrow({ where: { email }, select: { id: true, email: true, name: true }, cache: true }).withCacheInfo()
    return { data: person(data), info }
  }
  /** List reads of the model, scoped to a test's users, each with its SQL truth. */
  const lists = (prefix: string): [string, () => Answer, () => Promise<unknown>][] => [
    ['findMany', async () => {
      const { data, info } = await prisma.user.findMany({ where: { email: { startsWith: prefix } }, select: { id: true, email: true, name: true }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
      return { data, info }
    }, () => db.sql('SELECT id, email, name FROM "User" WHERE email LIKE $1 ORDER BY id', [`${prefix}%`])],
    ['count', () => prisma.user.count({ where: { email: { startsWith: prefix } }, cache: true }).withCacheInfo(),
      async () => Number((await db.sql<{ n: number | string }>('SELECT count(*) AS n FROM "User" WHERE email LIKE $1', [`${prefix}%`]))[0]!.n)],
    ['findFirst', async () => {
      const { data, info } = await prisma.user.findFirst({ where: { email: { startsWith: prefix } }, orderBy: { name: 'desc' }, cache: true }).withCacheInfo()
      return { data: person(data), info }
    }, async () => (await db.sql<Person>('SELECT id, email, name FROM "User" WHERE email LIKE $1 ORDER BY name DESC LIMIT 1', [`${prefix}%`]))[0] ?? null],
  ]

  describe.each([
    ['findUnique', byId],
    ['findUniqueOrThrow', byIdOrThrow],
  ] as const)('%s by id', (_op, read) => {
    it('stays a hit after update of another row (by id and by unique email)', async () => {
      const { one, two } = await makeUsers()
      await prime(read(one.id))
      await prisma.user.update({ where: { id: two.id }, data: { name: 'two, renamed by id' } })
      await expectHit(read(one.id), 'after update of another row by id')
      await prisma.user.update({ where: { email: two.email }, data: { name: 'two, renamed by email' } })
      await expectHit(read(one.id), 'after update of another row by email')
    })

    it('is fresh after update of its row by id', async () => {
      const { one } = await makeUsers()
      await prime(read(one.id))
      await prisma.user.update({ where: { id: one.id }, data: { name: 'one, renamed' } })
      expect(await expectFresh(read(one.id), () => userRow({ id: one.id }))).toMatchObject({ name: 'one, renamed' })
    })

    it('is fresh after update of its row by unique email', async () => {
      const { one } = await makeUsers()
      await prime(read(one.id))
      await prisma.user.update({ where: { email: one.email }, data: { name: 'one, renamed' } })
      expect(await expectFresh(read(one.id), () => userRow({ id: one.id }))).toMatchObject({ name: 'one, renamed' })
    })

    it('is fresh after update of its row by unique email with a select that leaves the id out', async () => {
      const { one } = await makeUsers()
      await prime(read(one.id))
      await prisma.user.update({ where: { email: one.email }, data: { name: 'one, renamed' }, select: { name: true } })
      await expectFresh(read(one.id), () => userRow({ id: one.id }))
    })
  })

  describe.each([
    ['findUnique', byEmail],
    ['findUniqueOrThrow', byEmailOrThrow],
  ] as const)('%s by unique email', (_op, read) => {
    it('stays a hit after update of another row', async () => {
      const { one, two } = await makeUsers()
      await prime(read(one.email))
      await prisma.user.update({ where: { id: two.id }, data: { name: 'two, renamed' } })
      await expectHit(read(one.email), 'after update of another row by id')
      await prisma.user.update({ where: { email: two.email }, data: { name: 'two, renamed again' } })
      await expectHit(read(one.email), 'after update of another row by email')
    })

    it('is fresh after update of its row by id and by email', async () => {
      const { one } = await makeUsers()
      await prime(read(one.email))
      await prisma.user.update({ where: { id: one.id }, data: { name: 'by id' } })
      await expectFresh(read(one.email), () => userRow({ email: one.email }))
      await expectHit(read(one.email))
      await prisma.user.update({ where: { email: one.email }, data: { name: 'by email' } })
      expect(await expectFresh(read(one.email), () => userRow({ email: one.email }))).toMatchObject({ name: 'by email' })
    })
  })

  it('findUnique with a select that leaves the id out is row-precise and fresh after its row changes', async () => {
    const { one, two } = await makeUsers()
    const read = () => prisma.user.findUnique({ where: { id: one.id }, select: { name: true }, cache: true }).withCacheInfo()
    await prime(read)
    await prisma.user.update({ where: { id: two.id }, data: { name: 'two, renamed' } })
    await expectHit(read)
    await prisma.user.update({ where: { id: one.id }, data: { name: 'one, renamed' } })
    await expectFresh(read, async () => ({ name: (await userRow({ id: one.id }))!.name }))
  })

  it('updateMany and deleteMany invalidate every row, whatever they filter on', async () => {
    const { prefix, one, two, three } = await makeUsers()
    for (const u of [one, two, three]) {
      await prime(byId(u.id))
      await prime(byEmail(u.email))
    }
    await prisma.user.updateMany({ where: { name: { in: ['one', 'two'] } }, data: { role: 'ADMIN', name: 'bulk' } })
    for (const u of [one, two]) {
      expect(await expectFresh(byId(u.id), () => userRow({ id: u.id }), `${u.name} by id after updateMany`)).toMatchObject({ name: 'bulk' })
      await expectFresh(byEmail(u.email), () => userRow({ email: u.email }), `${u.name} by email after updateMany`)
    }
    for (const u of [one, two, three]) await prime(byId(u.id))
    await prisma.user.deleteMany({ where: { email: { startsWith: prefix }, name: 'bulk' } })
    for (const u of [one, two]) {
      expect(await expectFresh(byId(u.id), () => userRow({ id: u.id }), `${u.name} by id after deleteMany`)).toBeNull()
      expect(await expectFresh(byEmail(u.email), () => userRow({ email: u.email }), `${u.name} by email after deleteMany`)).toBeNull()
    }
  })

  it('a findUnique that found nothing is fresh after a create of that row (by id, by email, by upsert)', async () => {
    const { prefix } = await makeUsers()
    const id = -(2_000_000 + seq) // negative: MySQL and SQLite move the auto-increment past an explicit id, never below zero
    const email = `${prefix}later@example.com`
    const upserted = `${prefix}upserted@example.com`
    for (const read of [byId(id), byEmail(email), byEmail(upserted)]) {
      expect((await read()).data).toBeNull()
      await expectHit(read)
    }
    await prisma.user.create({ data: { id, email, name: 'later' } })
    expect(await expectFresh(byId(id), () => userRow({ id }))).toMatchObject({ name: 'later' })
    expect(await expectFresh(byEmail(email), () => userRow({ email }))).toMatchObject({ name: 'later' })
    await prime(byEmail(upserted)) // the create above invalidated it (any create may be the row it looks for)
    await prisma.user.upsert({ where: { email: upserted }, create: { email: upserted, name: 'upserted' }, update: {} })
    expect(await expectFresh(byEmail(upserted), () => userRow({ email: upserted }))).toMatchObject({ name: 'upserted' })
  })

  it.each(['id', 'email'] as const)('an update by %s that changes the unique email leaves no stale entry under the old or the new value', async (by) => {
    const { prefix, one, two } = await makeUsers()
    const newEmail = `${prefix}new@example.com`
    await prime(byEmail(one.email), 'old email')
    await prime(byEmail(newEmail), 'new email')
    await prime(byId(one.id), 'id')
    await prime(byEmail(two.email), 'another row by email')
    await prisma.user.update({ where: by === 'id' ? { id: one.id } : { email: one.email }, data: { email: newEmail } })
    expect(await expectFresh(byEmail(one.email), () => userRow({ email: one.email }), 'old email')).toBeNull()
    expect(await expectFresh(byEmail(newEmail), () => userRow({ email: newEmail }), 'new email')).toMatchObject({ id: one.id })
    expect(await expectFresh(byId(one.id), () => userRow({ id: one.id }), 'id')).toMatchObject({ email: newEmail })
    // and the email can be taken again: a create under the old value is seen
    await prisma.user.create({ data: { email: one.email, name: 'successor' } })
    expect(await expectFresh(byEmail(one.email), () => userRow({ email: one.email }), 'old email reused')).toMatchObject({ name: 'successor' })
  })

  // A user's delete also sets User.referrerId to NULL on the rows it referred (SetNull on a
  // self-relation), so it may change any other user row: other rows are not expected to stay hits
  // there (`otherRowsStay` false). Tag deletes below show delete precision.
  it.each([
    ['upsert by id', true, (p: CachedClient, u: Person) => p.user.upsert({ where: { id: u.id }, create: { email: 'never@example.com', name: 'never' }, update: { name: 'upserted' } })],
    ['upsert by email', true, (p: CachedClient, u: Person) => p.user.upsert({ where: { email: u.email }, create: { email: u.email, name: 'never' }, update: { name: 'upserted' } })],
    ['update by id', true, (p: CachedClient, u: Person) => p.user.update({ where: { id: u.id }, data: { name: 'updated' } })],
    ['delete by id', false, (p: CachedClient, u: Person) => p.user.delete({ where: { id: u.id } })],
    ['delete by email', false, (p: CachedClient, u: Person) => p.user.delete({ where: { email: u.email } })],
  ] as const)('%s invalidates that row and every list read of the model', async (_name, otherRowsStay, write) => {
    const { prefix, one, two } = await makeUsers()
    const listReads = lists(prefix)
    await prime(byId(one.id))
    await prime(byEmail(one.email))
    await prime(byId(two.id), 'another row by id')
    await prime(byEmail(two.email), 'another row by email')
    for (const [label, read] of listReads) await prime(read, label)
    await write(prisma, one)
    await expectFresh(byId(one.id), () => userRow({ id: one.id }), 'the row by id')
    await expectFresh(byEmail(one.email), () => userRow({ email: one.email }), 'the row by email')
    for (const [label, read, truth] of listReads) await expectFresh(read, truth, label)
    if (otherRowsStay) {
      await expectHit(byId(two.id), 'another row by id')
      await expectHit(byEmail(two.email), 'another row by email')
    } else {
      expect((await byId(two.id)()).data).toEqual(await userRow({ id: two.id }))
    }
  })

  it.each(['id', 'name'] as const)('delete by %s of a tag leaves another tag a hit and makes the row and the list fresh', async (by) => {
    const prefix = `rt${++seq}-`
    const [a, b] = [await db.prisma.tag.create({ data: { name: `${prefix}a` } }), await db.prisma.tag.create({ data: { name: `${prefix}b` } })]
    const tagById = (id: number) => () => prisma.tag.findUnique({ where: { id }, cache: true }).withCacheInfo()
    const tagByName = (name: string) => () => prisma.tag.findUnique({ where: { name }, cache: true }).withCacheInfo()
    const tags = () => prisma.tag.findMany({ where: { name: { startsWith: prefix } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    for (const read of [tagById(a.id), tagByName(a.name), tagById(b.id), tagByName(b.name), tags]) await prime(read)
    await prisma.tag.delete({ where: by === 'id' ? { id: a.id } : { name: a.name } })
    expect(await expectFresh(tagById(a.id), async () => null)).toBeNull()
    expect(await expectFresh(tagByName(a.name), async () => null)).toBeNull()
    await expectFresh(tags, () => db.sql('SELECT id, name FROM "Tag" WHERE name LIKE $1 ORDER BY id', [`${prefix}%`]))
    await expectHit(tagById(b.id), 'another tag by id')
    await expectHit(tagByName(b.name), 'another tag by name')
  })

  it('an update of the primary key leaves no stale entry under the old or the new id', async () => {
    const { one } = await makeUsers()
    const newId = -(3_000_000 + seq) // negative: see above
    await prime(byId(one.id), 'old id')
    await prime(byId(newId), 'new id')
    await prisma.user.update({ where: { id: one.id }, data: { id: newId } })
    expect(await expectFresh(byId(one.id), () => userRow({ id: one.id }), 'old id')).toBeNull()
    expect(await expectFresh(byId(newId), () => userRow({ id: newId }), 'new id')).toMatchObject({ email: one.email })
  })

  it('a nested write from another model makes the row it updates fresh', async () => {
    const { one, two } = await makeUsers()
    const post = await db.prisma.post.create({ data: { title: 'nested', authorId: one.id } })
    await prime(byId(one.id))
    await prime(byId(two.id))
    await prisma.post.update({ where: { id: post.id }, data: { author: { update: { name: 'renamed through a post' } } } })
    expect(await expectFresh(byId(one.id), () => userRow({ id: one.id }))).toMatchObject({ name: 'renamed through a post' })
  })

  it('compound unique lookups and writes (OrderItem orderId_productId) agree with lookups by id', async () => {
    const { one } = await makeUsers()
    const product = await db.prisma.product.create({ data: { sku: `rp-${seq}-a`, name: 'A', price: '1.00' } })
    const spare = await db.prisma.product.create({ data: { sku: `rp-${seq}-b`, name: 'B', price: '1.00' } })
    const order = await db.prisma.order.create({
      data: { userId: one.id, total: '2.00', items: { create: [{ productId: product.id, quantity: 1 }, { productId: spare.id, quantity: 1 }] } },
      include: { items: { orderBy: { id: 'asc' } } },
    })
    const [item, other] = order.items as [(typeof order.items)[number], (typeof order.items)[number]]
    const quantity = async (id: number) => (await db.sql<{ quantity: number }>('SELECT quantity FROM "OrderItem" WHERE id = $1', [id]))[0]!.quantity
    const itemById = (id: number) => async () => {
      const { data, info } = await prisma.orderItem.findUnique({ where: { id }, cache: true }).withCacheInfo()
      return { data: data?.quantity, info }
    }
    const itemByKey = () => async () => {
      const { data, info } = await prisma.orderItem.findUnique({ where: { orderId_productId: { orderId: order.id, productId: product.id } }, cache: true }).withCacheInfo()
      return { data: data?.quantity, info }
    }
    await prime(itemById(item.id))
    await prime(itemByKey())
    await prime(itemById(other.id), 'another item')
    await prisma.orderItem.update({ where: { orderId_productId: { orderId: order.id, productId: product.id } }, data: { quantity: 5 } })
    expect(await expectFresh(itemById(item.id), () => quantity(item.id), 'by id after update by compound key')).toBe(5)
    expect(await expectFresh(itemByKey(), () => quantity(item.id), 'by compound key after update by compound key')).toBe(5)
    await expectHit(itemById(other.id), 'another item')
    await prisma.orderItem.update({ where: { id: item.id }, data: { quantity: 6 } })
    expect(await expectFresh(itemByKey(), () => quantity(item.id), 'by compound key after update by id')).toBe(6)
    await expectHit(itemById(other.id), 'another item')
  })

  it('BigInt primary keys (AuditLog) are row-precise too', async () => {
    const a = await db.prisma.auditLog.create({ data: { action: 'a' } })
    const b = await db.prisma.auditLog.create({ data: { action: 'b' } })
    const read = (id: bigint) => async () => {
      const { data, info } = await prisma.auditLog.findUnique({ where: { id }, cache: true }).withCacheInfo()
      return { data: data?.action, info }
    }
    await prime(read(a.id))
    await prisma.auditLog.update({ where: { id: b.id }, data: { action: 'b2' } })
    await expectHit(read(a.id))
    await prisma.auditLog.update({ where: { id: a.id }, data: { action: 'a2' } })
    expect(await expectFresh(read(a.id), async () => (await db.sql<{ action: string }>('SELECT action FROM "AuditLog" WHERE id = $1', [a.id.toString()]))[0]!.action)).toBe('a2')
  })

  it('a BigInt primary key given as a number names the same row as the bigint', async () => {
    const log = await db.prisma.auditLog.create({ data: { action: 'v0' } })
    const action = async () => (await db.sql<{ action: string }>('SELECT action FROM "AuditLog" WHERE id = $1', [log.id.toString()]))[0]!.action
    const read = (id: number | bigint) => async () => {
      const { data, info } = await prisma.auditLog.findUnique({ where: { id }, select: { action: true }, cache: true }).withCacheInfo()
      return { data: data?.action, info }
    }
    await prime(read(Number(log.id)), 'by number')
    await prime(read(log.id), 'by bigint')
    await prisma.auditLog.update({ where: { id: log.id }, data: { action: 'v1' } })
    expect(await expectFresh(read(Number(log.id)), action, 'by number after update by bigint')).toBe('v1')
    expect(await expectFresh(read(log.id), action, 'by bigint after update by bigint')).toBe('v1')
    await prisma.auditLog.update({ where: { id: Number(log.id) }, data: { action: 'v2' } })
    expect(await expectFresh(read(log.id), action, 'by bigint after update by number')).toBe('v2')
    expect(await expectFresh(read(Number(log.id)), action, 'by number after update by number')).toBe('v2')
  })
})

describe.each(CLUSTER_KINDS)("precision: 'model' on the %s store", (kind: StoreKind) => {
  it('findUnique of one row is a miss after an update of another row, and agrees with PostgreSQL', async () => {
    const { prisma } = cachedClient(db, kind, { precision: 'model' })
    const { one, two } = await makeUsers()
    const read = async () => {
      const { data, info } = await prisma.user.findUnique({ where: { id: one.id }, select: { id: true, email: true, name: true }, cache: true }).withCacheInfo()
      return { data: person(data), info }
    }
    await prime(read)
    await prisma.user.update({ where: { id: two.id }, data: { name: 'two, renamed' } })
    await expectFresh(read, () => userRow({ id: one.id }))
    await expectHit(read)
    await prisma.user.update({ where: { id: one.id }, data: { name: 'one, renamed' } })
    expect(await expectFresh(read, () => userRow({ id: one.id }))).toMatchObject({ name: 'one, renamed' })
  })
})
