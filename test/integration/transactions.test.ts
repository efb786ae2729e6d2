/**
 * Transactions (guarantee 11): reads inside `$transaction` — batch or interactive — go to the
 * database and leave no entry; writes inside one invalidate once it commits (not before: a read
 * between the write and the commit must not leave an entry that outlives the commit) and not at
 * all on rollback. Also pins the undocumented Prisma marker the extension relies on to tell
 * transactional queries apart (`__internalParams.transaction`, read by src/transactions.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { transactionOf } from '../../src/prisma/transactions.js'
import { cachedClient, STORE_KINDS, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { capabilities } from '../helpers/provider.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

let seq = 0

interface Person {
  id: number
  name: string
}

/** Two users of their own (`one`, `two`) and a tag, all under a fresh prefix. */
async function makeWorld() {
  const prefix = `x${++seq}-`
  const one = await db.prisma.user.create({ data: { email: `${prefix}one@example.com`, name: 'one' }, select: { id: true, name: true } })
  const two = await db.prisma.user.create({ data: { email: `${prefix}two@example.com`, name: 'two' }, select: { id: true, name: true } })
  const tag = await db.prisma.tag.create({ data: { name: `${prefix}tag` } })
  return { prefix, one, two, tag }
}

const nameInDatabase = async (id: number) => (await db.sql<{ name: string }>('SELECT name FROM "User" WHERE id = $1', [id]))[0]?.name
const usersInDatabase = (prefix: string) => db.sql<Person>('SELECT id, name FROM "User" WHERE email LIKE $1 ORDER BY id', [`${prefix}%`])

/** Changes a name without telling the cache (the raw client has no cacheExtension). */
const renameBehindTheCache = (id: number, name: string) => db.prisma.user.update({ where: { id }, data: { name } })

describe.each(STORE_KINDS)('transactions on the %s store', (kind: StoreKind) => {
  let prisma: CachedClient
  beforeAll(() => {
    prisma = cachedClient(db, kind).prisma
  })

  const users = (prefix: string) => prisma.user.findMany({ where: { email: { startsWith: prefix } }, select: { id: true, name: true }, orderBy: { id: 'asc' }, cache: true })
  const user = (id: number) => prisma.user.findUnique({ where: { id }, select: { id: true, name: true }, cache: true })
  const tags = (prefix: string) => prisma.tag.findMany({ where: { name: { startsWith: prefix } }, cache: true })

  describe('reads inside a transaction bypass the cache', () => {
    it('batch: reads go to the database even when a valid entry exists, and count as bypasses', async () => {
      const w = await makeWorld()
      await users(w.prefix)
      await user(w.one.id)
      expect((await user(w.one.id).withCacheInfo()).info.status).toBe('hit')
      await renameBehindTheCache(w.one.id, 'changed behind the cache')
      const stats = prisma.$cache.stats()
      db.executions.reset()
      const [list, row, count] = await prisma.$transaction([users(w.prefix), user(w.one.id), prisma.user.count({ where: { email: { startsWith: w.prefix } }, cache: true })])
      expect(db.executions.reads).toBeGreaterThanOrEqual(3)
      expect(list).toEqual(await usersInDatabase(w.prefix))
      expect(row?.name).toBe('changed behind the cache')
      expect(count).toBe(2)
      const after = prisma.$cache.stats()
      expect(after.bypasses - stats.bypasses).toBe(3)
      expect(after.hits - stats.hits).toBe(0)
      expect(after.misses - stats.misses).toBe(0)
      expect(after.sets - stats.sets).toBe(0)
    })

    it('batch: reads leave no entry behind', async () => {
      const w = await makeWorld()
      await prisma.$transaction([user(w.one.id), users(w.prefix)])
      db.executions.reset()
      expect((await user(w.one.id).withCacheInfo()).info.status).toBe('miss')
      expect((await users(w.prefix).withCacheInfo()).info.status).toBe('miss')
      expect(db.executions.reads).toBe(2)
    })

    it('interactive: reads go to the database even when a valid entry exists, count as bypasses, and leave no entry behind', async () => {
      const w = await makeWorld()
      await user(w.one.id)
      expect((await user(w.one.id).withCacheInfo()).info.status).toBe('hit')
      await renameBehindTheCache(w.one.id, 'changed behind the cache')
      const stats = prisma.$cache.stats()
      await prisma.$transaction(async (tx) => {
        db.executions.reset()
        const inside = await tx.user.findUnique({ where: { id: w.one.id }, select: { id: true, name: true }, cache: true })
        expect(inside?.name).toBe('changed behind the cache')
        const list = await tx.user.findMany({ where: { email: { startsWith: w.prefix } }, select: { id: true, name: true }, orderBy: { id: 'asc' }, cache: true })
        expect(list).toEqual(await usersInDatabase(w.prefix))
        expect(db.executions.reads).toBe(2)
      })
      const after = prisma.$cache.stats()
      expect(after.bypasses - stats.bypasses).toBe(2)
      expect(after.hits - stats.hits).toBe(0)
      expect(after.misses - stats.misses).toBe(0)
      expect(after.sets - stats.sets).toBe(0)
      db.executions.reset()
      expect((await users(w.prefix).withCacheInfo()).info.status).toBe('miss') // the list read inside stored nothing
      expect(db.executions.reads).toBe(1)
    })

    it('interactive: withCacheInfo() on a read of the transaction client reports bypass', async () => {
      // The transaction client is typed as the extended client, so `withCacheInfo()` type-checks here.
      const w = await makeWorld()
      await user(w.one.id)
      await prisma.$transaction(async (tx) => {
        const read = tx.user.findUnique({ where: { id: w.one.id }, select: { id: true, name: true }, cache: true })
        expect(typeof read.withCacheInfo).toBe('function')
        const { data, info } = await read.withCacheInfo()
        expect(info.status).toBe('bypass')
        expect(data?.name).toBe('one')
      })
    })

    it("interactive: a read after a write in the same transaction sees that write, not the entry", async () => {
      const w = await makeWorld()
      await user(w.one.id)
      await users(w.prefix)
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: w.one.id }, data: { name: 'written inside' } })
        const stats = prisma.$cache.stats()
        const row = await tx.user.findUnique({ where: { id: w.one.id }, select: { id: true, name: true }, cache: true })
        expect(prisma.$cache.stats().bypasses - stats.bypasses).toBe(1)
        expect(row?.name).toBe('written inside')
        const list = await tx.user.findMany({ where: { email: { startsWith: w.prefix } }, select: { id: true, name: true }, orderBy: { id: 'asc' }, cache: true })
        expect(list.find((u) => u.id === w.one.id)?.name).toBe('written inside')
      })
    })
  })

  describe('writes inside a transaction invalidate once it commits', () => {
    it('batch: reads after the commit are fresh; a model the transaction did not write stays a hit', async () => {
      const w = await makeWorld()
      await users(w.prefix)
      await user(w.one.id)
      await user(w.two.id)
      await tags(w.prefix)
      await prisma.$transaction([
        prisma.user.update({ where: { id: w.one.id }, data: { name: 'batch one' } }),
        prisma.user.create({ data: { email: `${w.prefix}three@example.com`, name: 'three' } }),
      ])
      db.executions.reset()
      const list = await users(w.prefix).withCacheInfo()
      expect(list.info.status).toBe('miss')
      expect(list.data).toEqual(await usersInDatabase(w.prefix))
      const row = await user(w.one.id).withCacheInfo()
      expect(row.info.status).toBe('miss')
      expect(row.data?.name).toBe(await nameInDatabase(w.one.id))
      expect(row.data?.name).toBe('batch one')
      const reads = db.executions.total
      expect((await tags(w.prefix).withCacheInfo()).info.status).toBe('hit')
      expect((await user(w.two.id).withCacheInfo()).info.status).toBe('hit') // row precision holds through transactions
      expect(db.executions.total).toBe(reads)
    })

    it('interactive: reads after the commit are fresh; a model the transaction did not write stays a hit', async () => {
      const w = await makeWorld()
      await users(w.prefix)
      await user(w.one.id)
      await tags(w.prefix)
      const result = await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: w.one.id }, data: { name: 'interactive one' } })
        await tx.user.delete({ where: { id: w.two.id } })
        return 'committed'
      })
      expect(result).toBe('committed')
      const list = await users(w.prefix).withCacheInfo()
      expect(list.info.status).toBe('miss')
      expect(list.data).toEqual(await usersInDatabase(w.prefix))
      expect(list.data.map((u) => u.id)).toEqual([w.one.id])
      const row = await user(w.one.id).withCacheInfo()
      expect(row.info.status).toBe('miss')
      expect(row.data?.name).toBe('interactive one')
      db.executions.reset()
      expect((await tags(w.prefix).withCacheInfo()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
    })

    it('interactive: no invalidation reaches the store before the commit, one after it', async () => {
      const w = await makeWorld()
      await user(w.one.id)
      const events: string[] = []
      const listener = () => events.push('invalidate')
      prisma.$cache.on('invalidate', listener)
      try {
        await prisma.$transaction(async (tx) => {
          await tx.user.update({ where: { id: w.one.id }, data: { name: 'pending' } })
          await tx.tag.update({ where: { id: w.tag.id }, data: { name: `${w.prefix}renamed` } })
          expect(events).toEqual([])
        })
        expect(events.length).toBeGreaterThanOrEqual(1)
      } finally {
        prisma.$cache.off('invalidate', listener)
      }
    })

    it('interactive: a read outside the transaction between its write and its commit leaves no entry that outlives the commit', async () => {
      const w = await makeWorld()
      await user(w.one.id)
      await users(w.prefix)
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: w.one.id }, data: { name: 'committed later' } })
        // Outside the transaction the database still shows the old row (SQLite's one connection shows the new one); these reads may cache it.
        const outside = capabilities.isolatedTransactions ? 'one' : 'committed later'
        expect((await user(w.one.id))?.name).toBe('one') // hits of the entries cached before
        expect((await users(w.prefix)).find((u) => u.id === w.one.id)?.name).toBe('one')
        await prisma.$cache.invalidate({ models: ['User'] }) // even an entry filled right now, from scratch
        expect((await user(w.one.id))?.name).toBe(outside)
        expect((await users(w.prefix)).find((u) => u.id === w.one.id)?.name).toBe(outside)
      })
      const row = await user(w.one.id).withCacheInfo()
      expect(row.info.status).toBe('miss')
      expect(row.data?.name).toBe('committed later')
      const list = await users(w.prefix).withCacheInfo()
      expect(list.info.status).toBe('miss')
      expect(list.data).toEqual(await usersInDatabase(w.prefix))
    })

    it('interactive: a read that starts during the transaction and finishes after its commit leaves no entry with the old data', async () => {
      const w = await makeWorld()
      const held = holdSelects(db, 'LIKE') // the list read filters with LIKE; the transaction's statements do not
      let slow: Promise<Person[]> | undefined
      await prisma.$transaction(async (tx) => {
        slow = users(w.prefix).then((rows) => rows) // a Prisma promise starts on then()
        await held.arrived // its SELECT ran and saw the old row; its result is held
        await tx.user.update({ where: { id: w.one.id }, data: { name: 'committed while the read was slow' } })
      })
      held.release()
      const raced = await slow!
      expect(['one', 'committed while the read was slow']).toContain(raced.find((u) => u.id === w.one.id)?.name)
      const later = await users(w.prefix).withCacheInfo()
      expect(later.data).toEqual(await usersInDatabase(w.prefix))
      expect(later.data.find((u) => u.id === w.one.id)?.name).toBe('committed while the read was slow')
    })
  })

  // Two transactions at once: SQLite's one connection would make the second wait for the first.
  describe.runIf(capabilities.isolatedTransactions)('a $transaction started from inside another one is a transaction of its own', () => {
    it("a batch run by the outer client inside an interactive transaction's callback invalidates when it commits, before the outer one ends", async () => {
      const w = await makeWorld()
      await user(w.one.id)
      await users(w.prefix)
      await prisma.$transaction(async (tx) => {
        await tx.user.count()
        await prisma.$transaction([prisma.user.update({ where: { id: w.one.id }, data: { name: 'inner batch' } })])
        expect(await nameInDatabase(w.one.id)).toBe('inner batch')
        const row = await user(w.one.id).withCacheInfo()
        expect(row.info.status).toBe('miss')
        expect(row.data?.name).toBe('inner batch')
        expect((await users(w.prefix)).find((u) => u.id === w.one.id)?.name).toBe('inner batch')
      })
    })

    it('its writes stay invalidated when the outer transaction rolls back, and the outer one invalidates nothing', async () => {
      const w = await makeWorld()
      await user(w.one.id)
      await user(w.two.id)
      const rollback = new Error('rollback on purpose')
      await expect(prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: w.two.id }, data: { name: 'rolled back' } })
        await prisma.$transaction(async (inner) => {
          await inner.user.update({ where: { id: w.one.id }, data: { name: 'inner interactive' } })
        })
        throw rollback
      })).rejects.toBe(rollback)
      expect(await nameInDatabase(w.one.id)).toBe('inner interactive')
      expect(await nameInDatabase(w.two.id)).toBe('two')
      db.executions.reset()
      const one = await user(w.one.id).withCacheInfo()
      expect(one.info.status).toBe('miss')
      expect(one.data?.name).toBe('inner interactive')
      const two = await user(w.two.id).withCacheInfo()
      expect(two.info.status).toBe('hit')
      expect(two.data?.name).toBe('two')
      expect(db.executions.reads).toBe(1)
    })

    it("a $transaction that a finished transaction's callback left running invalidates when it commits, while another transaction runs", async () => {
      const w = await makeWorld()
      await user(w.one.id)
      let go!: () => void
      let task: Promise<unknown> | undefined
      await prisma.$transaction(async (tx) => {
        await tx.user.count()
        // Work the callback leaves behind (a fire-and-forget job): it runs in this transaction's async context.
        task = new Promise<void>((resolve) => (go = resolve)).then(() => prisma.$transaction([prisma.user.update({ where: { id: w.one.id }, data: { name: 'left behind' } })]))
      })
      let finish!: () => void
      let began!: () => void
      const begun = new Promise<void>((resolve) => (began = resolve))
      const other = prisma.$transaction(async (tx) => {
        await tx.tag.count()
        await new Promise<void>((resolve) => {
          finish = resolve
          began()
        })
      })
      await begun
      try {
        go()
        await task
        expect(await nameInDatabase(w.one.id)).toBe('left behind')
        const row = await user(w.one.id).withCacheInfo()
        expect(row.info.status).toBe('miss')
        expect(row.data?.name).toBe('left behind')
      } finally {
        finish()
        await other
      }
    })
  })

  describe.runIf(capabilities.isolatedTransactions)('a rolled-back transaction invalidates nothing', () => {
    it('interactive: a throw inside rolls back, and every entry stays a hit with the committed data', async () => {
      const w = await makeWorld()
      await users(w.prefix)
      await user(w.one.id)
      await tags(w.prefix)
      const rollback = new Error('rollback on purpose')
      await expect(prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: w.one.id }, data: { name: 'rolled back' } })
        await tx.tag.delete({ where: { id: w.tag.id } })
        throw rollback
      })).rejects.toBe(rollback)
      expect(await nameInDatabase(w.one.id)).toBe('one')
      db.executions.reset()
      const row = await user(w.one.id).withCacheInfo()
      expect(row.info.status).toBe('hit')
      expect(row.data?.name).toBe('one')
      expect((await users(w.prefix).withCacheInfo()).info.status).toBe('hit')
      expect((await tags(w.prefix).withCacheInfo()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
    })

    it('batch: a failing statement rolls back the batch, and every entry stays a hit', async () => {
      const w = await makeWorld()
      await users(w.prefix)
      await user(w.one.id)
      await expect(prisma.$transaction([
        prisma.user.update({ where: { id: w.one.id }, data: { name: 'rolled back' } }),
        prisma.user.create({ data: { email: `${w.prefix}two@example.com`, name: 'duplicate email' } }),
      ])).rejects.toMatchObject({ code: 'P2002' })
      expect(await nameInDatabase(w.one.id)).toBe('one')
      db.executions.reset()
      expect((await user(w.one.id).withCacheInfo()).info.status).toBe('hit')
      expect((await users(w.prefix).withCacheInfo()).info.status).toBe('hit')
      expect(db.executions.total).toBe(0)
    })
  })
})

describe.each(STORE_KINDS)('a rolled-back transaction on SQLite, whose reads outside it see its writes (%s store)', (kind: StoreKind) => {
  it.runIf(!capabilities.isolatedTransactions)('a read outside that cached the uncommitted row is invalidated by the rollback', async () => {
    const { prisma } = cachedClient(db, kind)
    const row = await db.prisma.user.create({ data: { email: `rollback-${kind}@example.com`, name: 'committed' } })
    const read = () => prisma.user.findUnique({ where: { id: row.id }, cache: true }).withCacheInfo()
    await read()
    const rollback = new Error('rollback on purpose')
    await expect(prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: row.id }, data: { name: 'never committed' } })
      await prisma.$cache.invalidate({ models: ['User'] })
      expect((await read()).data?.name, 'the one connection shows the uncommitted row').toBe('never committed')
      throw rollback
    })).rejects.toBe(rollback)
    expect(await nameInDatabase(row.id)).toBe('committed')
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data?.name).toBe('committed')
  })
})

/**
 * The marker the extension reads (src/transactions.ts `transactionOf`) is Prisma-internal and
 * undocumented. These assertions fail loudly if a Prisma upgrade moves or reshapes it.
 */
describe("Prisma's __internalParams.transaction marker", () => {
  type Seen = { model: string | undefined; operation: string; transaction: unknown; read: unknown }

  function spyClient() {
    const seen: Seen[] = []
    const record = (params: { model?: string; operation: string }) => {
      const transaction = (params as { __internalParams?: { transaction?: unknown } }).__internalParams?.transaction
      seen.push({ model: params.model, operation: params.operation, transaction, read: transactionOf(params) })
    }
    const client = db.prisma.$extends({
      query: {
        $allModels: {
          $allOperations(params) {
            record(params)
            return params.query(params.args)
          },
        },
        $allOperations(params) {
          if (params.model === undefined) record(params)
          return params.query(params.args)
        },
      },
    })
    return { client, seen }
  }

  it('is undefined outside a transaction', async () => {
    const { client, seen } = spyClient()
    await client.user.findMany({ take: 1 })
    await client.tag.count()
    await client.$executeRaw`SELECT 1`
    expect(seen.map((s) => s.operation)).toEqual(['findMany', 'count', '$executeRaw'])
    for (const s of seen) {
      expect(s.transaction).toBeUndefined()
      expect(s.read).toBeUndefined()
    }
  })

  it("is { kind: 'batch', id } in a batch $transaction, one id per batch", async () => {
    const { client, seen } = spyClient()
    await client.$transaction([client.user.findMany({ take: 1 }), client.tag.count()])
    await client.$transaction([client.user.count()])
    expect(seen.map((s) => s.operation)).toEqual(['findMany', 'count', 'count'])
    for (const s of seen) {
      expect(s.transaction).toMatchObject({ kind: 'batch', id: expect.any(Number) })
      expect(s.read).toBe(s.transaction)
    }
    const ids = seen.map((s) => (s.transaction as { id: number }).id)
    expect(ids[0]).toBe(ids[1])
    expect(ids[2]).not.toBe(ids[0])
  })

  it("is { kind: 'itx', id } in an interactive $transaction, raw statements included, one id per transaction", async () => {
    const { client, seen } = spyClient()
    await client.$transaction(async (tx) => {
      await tx.user.findMany({ take: 1 })
      await tx.$executeRaw`SELECT 1`
    })
    await client.$transaction(async (tx) => {
      await tx.tag.count()
    })
    expect(seen.map((s) => s.operation)).toEqual(['findMany', '$executeRaw', 'count'])
    for (const s of seen) {
      expect(s.transaction).toEqual({ kind: 'itx', id: expect.any(String) })
      expect(s.read).toBe(s.transaction)
    }
    const ids = seen.map((s) => (s.transaction as { id: string }).id)
    expect(ids[0]).toBe(ids[1])
    expect(ids[2]).not.toBe(ids[0])
  })
})
