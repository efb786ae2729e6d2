// providers: postgres — exercises the cache's API and read path, which do not depend on the database (not yet tried on MySQL/SQLite)
/**
 * The bounds of single-flight: a cold fill (its dependency versions created by the fill itself) is
 * joined by reads arriving while it runs, and no joiner — in this process or another — waits for a
 * stuck fill longer than `lock.wait` before asking the database itself.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'

let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase()
  for (let i = 1; i <= 3; i++) await db.prisma.user.create({ data: { email: `slow${i}@example.com`, name: `Slow ${i}` } })
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

/** Rejects when `promise` takes longer than `ms`: a read that hangs fails the test instead of timing it out. */
function within<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not resolve within ${ms} ms`)), ms)))
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer))
}

/** Holds only the first SELECT on "User" (the leader's); later ones pass. */
function holdFirstUserSelect(): { arrived: Promise<void>; release(): void } {
  let seen = 0
  let arrive!: () => void
  const arrived = new Promise<void>((resolve) => (arrive = resolve))
  db.gate.close((sql) => {
    if (!/^\s*SELECT/i.test(sql) || !sql.includes('"User"')) return false
    if (++seen > 1) return false
    arrive()
    return true
  })
  return { arrived, release: () => db.gate.open() }
}

describe('a cold fill on the memory store', () => {
  it('is joined by reads arriving while its query runs: one database execution', async () => {
    const { prisma } = cachedClient(db, 'memory')
    const read = () => prisma.user.findMany({ where: { email: { startsWith: 'slow' } }, orderBy: { id: 'asc' }, cache: true })
    const expected = await db.prisma.user.findMany({ where: { email: { startsWith: 'slow' } }, orderBy: { id: 'asc' } })
    db.executions.reset()
    const held = holdSelects(db, '"User"')
    const leader = read().then((rows) => rows)
    await held.arrived // the leader captured (created) the versions and its query is running
    const late = Array.from({ length: 10 }, () => read().then((rows) => rows))
    for (let i = 0; i < 20; i++) await nextTurn()
    held.release()
    const results = await Promise.all([leader, ...late])
    expect(db.executions.reads).toBe(1)
    for (const rows of results) expect(rows).toStrictEqual(expected)
  })
})

describe.each(STORE_KINDS)('joiners of a stuck fill on the %s store', (kind: StoreKind) => {
  it('give up after lock.wait and query the database themselves', async () => {
    const lock = { wait: 300, ttl: 60_000 }
    const { prisma, namespace } = cachedClient(db, kind, { lock })
    const read = (client: typeof prisma) => client.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' }, cache: true })
    const expected = await db.prisma.user.findMany({ where: { name: { startsWith: 'Slow' } }, orderBy: { id: 'asc' } })
    const held = holdFirstUserSelect()
    const leader = read(prisma).then((rows) => rows)
    await held.arrived
    const joiners = Array.from({ length: 5 }, () => read(prisma).then((rows) => rows))
    // Another instance on the same store (another process, on Redis) waits on the lock instead.
    const other = kind === 'redis' ? cachedClient(db, kind, { lock, namespace }).prisma : undefined
    const waiter = other ? read(other).then((rows) => rows) : undefined
    const answers = await within(Promise.all([...joiners, ...(waiter ? [waiter] : [])]), 10_000, 'the joiners of a stuck fill')
    expect(db.gate.waiting).toBe(1) // the leader is still stuck: the others answered without it
    for (const rows of answers) expect(rows).toStrictEqual(expected)
    held.release()
    expect(await within(leader, 10_000, 'the leader')).toStrictEqual(expected)
  })
})
