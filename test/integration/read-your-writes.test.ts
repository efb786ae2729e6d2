// providers: postgres — its races hold SELECTs on Tag at the gate: on MySQL a write's own read-back SELECT (no RETURNING) is held with them, and SQLite's one connection makes writes wait behind a held read
/**
 * Read-your-writes under concurrency (guarantee 1, with 3 and 9): once a write's promise resolves
 * (a transaction's once it commits), no read started afterwards returns data from before it — not
 * from the store, not by joining an in-flight query started before the write, not as a stale
 * (`swr`) value, and not from a background refresh that began before the write.
 *
 * Readers run concurrently in the background the whole time, so entries are constantly being
 * filled by queries that straddle writes; a read that starts after a write must still see it.
 */
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CacheInfo } from '../../src/index.js'
import { cachedClient, STORE_KINDS, uniqueNamespace, type CachedClient, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { holdSelects } from '../helpers/hold.js'
import { mentionsTable, sql } from '../helpers/provider.js'

let db: TestDatabase
let authorId: number

beforeAll(async () => {
  db = await createTestDatabase()
  authorId = (await db.prisma.user.create({ data: { email: 'ryw@example.com', name: 'Author' } })).id
})
afterEach(() => db.gate.open())
afterAll(() => db?.drop())

let seq = 0

/** A tag linked to a post of its own: reads reach its name directly and through the post. */
async function makeTag(): Promise<{ tagId: number; postId: number; name: string }> {
  const name = `start-${++seq}`
  const tag = await db.prisma.tag.create({ data: { name } })
  const post = await db.prisma.post.create({ data: { title: `post-${seq}`, authorId, tags: { connect: { id: tag.id } } } })
  return { tagId: tag.id, postId: post.id, name }
}

const nameInDatabase = async (id: number) => (await db.sql<{ name: string }>('SELECT name FROM "Tag" WHERE id = $1', [id]))[0]!.name

type Write = (p: CachedClient, t: { tagId: number; postId: number }, name: string) => Promise<unknown>

/** Every way a write can reach the tag's name. */
const WRITES: [string, Write][] = [
  ['update', (p, t, name) => p.tag.update({ where: { id: t.tagId }, data: { name } })],
  ['updateMany', (p, t, name) => p.tag.updateMany({ where: { id: t.tagId }, data: { name } })],
  ['upsert', (p, t, name) => p.tag.upsert({ where: { id: t.tagId }, create: { name }, update: { name } })],
  ['nested update through post', (p, t, name) => p.post.update({ where: { id: t.postId }, data: { tags: { update: { where: { id: t.tagId }, data: { name } } } } })],
  ['interactive $transaction', (p, t, name) => p.$transaction(async (tx) => tx.tag.update({ where: { id: t.tagId }, data: { name } }))],
  ['batch $transaction', (p, t, name) => p.$transaction([p.tag.update({ where: { id: t.tagId }, data: { name } })])],
  ['$executeRaw', (p, t, name) => p.$executeRaw(sql`UPDATE "Tag" SET name = ${name} WHERE id = ${t.tagId}`)],
]

type Read = (p: CachedClient, t: { tagId: number; postId: number }) => Promise<{ name: string | undefined; info: CacheInfo }>

/** Reads of the tag's name: row-precise, list, first, and through an include. */
const READS: [string, Read][] = [
  ['findUnique', async (p, t) => {
    const { data, info } = await p.tag.findUnique({ where: { id: t.tagId }, cache: true }).withCacheInfo()
    return { name: data?.name, info }
  }],
  ['findMany', async (p, t) => {
    const { data, info } = await p.tag.findMany({ where: { id: t.tagId }, cache: true }).withCacheInfo()
    return { name: data[0]?.name, info }
  }],
  ['findFirst', async (p, t) => {
    const { data, info } = await p.tag.findFirst({ where: { id: { gte: t.tagId, lte: t.tagId } }, cache: true }).withCacheInfo()
    return { name: data?.name, info }
  }],
  ['post include tags', async (p, t) => {
    const { data, info } = await p.post.findUnique({ where: { id: t.postId }, include: { tags: true }, cache: true }).withCacheInfo()
    return { name: data?.tags[0]?.name, info }
  }],
]

/** `n` loops reading with `reads` until stopped; resolves every name they saw. */
function backgroundReaders(n: number, read: (i: number) => Promise<unknown>): () => Promise<void> {
  let stop = false
  const loops = Array.from({ length: n }, async (_, i) => {
    for (let k = 0; !stop; k++) {
      await read(i + k)
      await yieldToIo() // a memory hit resolves without I/O: let the writes and the other readers run
    }
  })
  return async () => {
    stop = true
    await Promise.all(loops)
  }
}

describe.each(STORE_KINDS)('read-your-writes on the %s store', (kind: StoreKind) => {
  it(`rounds of (write resolves → reads start) with concurrent readers in flight never read data from before the write`, async () => {
    const { prisma } = cachedClient(db, kind)
    const t = await makeTag()
    const stopReaders = backgroundReaders(6, (i) => READS[i % READS.length]![1](prisma, t))
    const violations: string[] = []
    const rounds = WRITES.length * 5
    try {
      for (let round = 0; round < rounds; round++) {
        const [writeName, write] = WRITES[round % WRITES.length]!
        const name = `v${round}-${seq}`
        await write(prisma, t, name)
        for (const [readName, read] of READS) {
          const { name: seen } = await read(prisma, t)
          if (seen !== name) violations.push(`round ${round}: after ${writeName}, ${readName} read ${seen}, not ${name}`)
        }
      }
    } finally {
      await stopReaders()
    }
    expect(violations).toEqual([])
    for (const [readName, read] of READS) expect((await read(prisma, t)).name, readName).toBe(await nameInDatabase(t.tagId))
  })

  it('rounds where reads straddle each write (their queries held across it) leave nothing stale behind', async () => {
    const { prisma } = cachedClient(db, kind)
    const t = await makeTag()
    // The SELECTs on "Tag" that the reads send (the writes' own SELECTs differ); only these are held.
    const probe = cachedClient(db, kind).prisma
    db.executions.reset()
    for (const [, read] of READS) await read(probe, t)
    const readSql = new Set(db.executions.log.filter((sql) => /^\s*SELECT/i.test(sql) && mentionsTable(sql, 'Tag')))
    expect(readSql.size).toBe(READS.length)
    const violations: string[] = []
    let straddled = 0
    for (let round = 0; round < WRITES.length * 2; round++) {
      await prisma.$cache.invalidate({ models: ['Tag', 'Post'] }) // the straddlers below are misses
      db.gate.close((sql) => readSql.has(sql))
      const straddlers = READS.map(([, read]) => read(prisma, t))
      for (let waited = 0; db.gate.waiting < READS.length && waited < 2000; waited += 2) await sleep(2)
      straddled += db.gate.waiting
      const [writeName, write] = WRITES[round % WRITES.length]!
      const name = `straddled-${round}-${seq}`
      await write(prisma, t, name)
      // Even rounds: reads started now must not join the straddlers' queries. Odd rounds: nothing
      // else fills the entries, so the straddlers' stores are the last word until the reads below.
      const after = round % 2 === 0 ? READS.map(([readName, read]) => read(prisma, t).then((r) => [readName, r.name] as const)) : []
      await sleep(5) // let them reach the flights they must not join
      db.gate.open()
      await Promise.all(straddlers)
      for (const [readName, seen] of await Promise.all(after)) if (seen !== name) violations.push(`round ${round}: after ${writeName}, ${readName} read ${seen}`)
      for (const [readName, read] of READS) {
        const { name: seen } = await read(prisma, t)
        if (seen !== name) violations.push(`round ${round}: after ${writeName} and the straddlers, ${readName} read ${seen}`)
      }
    }
    expect(straddled).toBeGreaterThanOrEqual(WRITES.length * 2 * READS.length)
    expect(violations).toEqual([])
  })

  it('concurrent identical misses share one query when no write intervenes (single-flight is on)', async () => {
    const { prisma } = cachedClient(db, kind)
    const t = await makeTag()
    const held = holdSelects(db, '"Tag"')
    db.executions.reset()
    const readers = Array.from({ length: 5 }, () => READS[1]![1](prisma, t))
    await held.arrived
    await sleep(50) // let the other four arrive at the flight (or, on Redis, at the lock)
    held.release()
    const results = await Promise.all(readers)
    expect(results.map((r) => r.name)).toEqual(results.map(() => t.name))
    expect(db.executions.reads).toBe(1)
  })

  it.each(READS.map(([name, read]) => [name, read] as const))('%s: reads started after a write resolved never join the query started before it', async (_name, read) => {
    const { prisma } = cachedClient(db, kind)
    const t = await makeTag()
    const held = holdSelects(db, '"Tag"')
    const before = Array.from({ length: 3 }, () => read(prisma, t))
    await held.arrived
    await prisma.tag.update({ where: { id: t.tagId }, data: { name: `after-${seq}` } })
    const after = Array.from({ length: 3 }, () => read(prisma, t))
    await sleep(20) // let them reach the flight they must not join
    held.release()
    for (const r of await Promise.all(before)) expect([t.name, `after-${seq}`]).toContain(r.name)
    for (const r of await Promise.all(after)) expect(r.name).toBe(`after-${seq}`)
    const later = await read(prisma, t)
    expect(later.name).toBe(await nameInDatabase(t.tagId))
  })

  describe('with swr', () => {
    const TTL_S = 0.15
    const PAST_TTL_MS = TTL_S * 1000 + 100
    const SWR = { ttl: TTL_S, swr: 30 }
    const swrRead = (p: CachedClient, tagId: number) => p.tag.findUnique({ where: { id: tagId }, cache: SWR }).withCacheInfo()
    const swrInclude = (p: CachedClient, postId: number) => p.post.findUnique({ where: { id: postId }, include: { tags: true }, cache: SWR }).withCacheInfo()

    it('serves a stale entry when nothing changed (the window is on)', async () => {
      const { prisma } = cachedClient(db, kind)
      const t = await makeTag()
      await swrRead(prisma, t.tagId)
      await sleep(PAST_TTL_MS)
      const stale = await swrRead(prisma, t.tagId)
      expect(stale.info.status).toBe('stale')
      expect(stale.data?.name).toBe(t.name)
    })

    it('never serves a stale entry after a write to its dependencies, round after round', async () => {
      const { prisma } = cachedClient(db, kind)
      const t = await makeTag()
      for (let round = 0; round < 3; round++) {
        await swrRead(prisma, t.tagId)
        await swrInclude(prisma, t.postId)
        await sleep(PAST_TTL_MS) // both entries are stale now, inside their swr window
        const [writeName, write] = WRITES[round * 2]!
        const name = `swr-${round}-${seq}`
        await write(prisma, t, name)
        const row = await swrRead(prisma, t.tagId)
        expect(row.info.status, `after ${writeName}`).toBe('miss')
        expect(row.data?.name).toBe(name)
        const included = await swrInclude(prisma, t.postId)
        expect(included.info.status, `include after ${writeName}`).toBe('miss')
        expect(included.data?.tags[0]?.name).toBe(name)
      }
    })

    it('a background refresh that started before a write does not resurrect the old data', async () => {
      const { prisma } = cachedClient(db, kind)
      const t = await makeTag()
      await swrRead(prisma, t.tagId)
      await sleep(PAST_TTL_MS)
      const refreshed = new Promise<void>((resolve) => {
        const listener = () => {
          prisma.$cache.off('set', listener)
          resolve()
        }
        prisma.$cache.on('set', listener)
      })
      const held = holdSelects(db, '"Tag"')
      const stale = await swrRead(prisma, t.tagId) // served at once; its refresh queries in the background
      expect(stale.info.status).toBe('stale')
      await held.arrived // the refresh's SELECT saw the old name; its result is held
      await prisma.tag.update({ where: { id: t.tagId }, data: { name: `written-${seq}` } })
      held.release()
      await refreshed // the refresh stored what it read, under the versions it read before the write
      for (let i = 0; i < 2; i++) {
        const next = await swrRead(prisma, t.tagId)
        expect(next.info.status).not.toBe('stale')
        expect(next.data?.name).toBe(`written-${seq}`)
      }
      expect(await nameInDatabase(t.tagId)).toBe(`written-${seq}`)
    })
  })
})

describe('read-your-writes across two cache instances sharing Redis', () => {
  it('a write through one instance is seen by reads started afterwards through the other, readers in flight on both', async () => {
    const namespace = uniqueNamespace()
    const a = cachedClient(db, 'redis', { namespace }).prisma
    const b = cachedClient(db, 'redis', { namespace }).prisma
    const t = await makeTag()
    const stopReaders = backgroundReaders(6, (i) => READS[i % READS.length]![1](i % 2 ? a : b, t))
    const violations: string[] = []
    try {
      for (let round = 0; round < 20; round++) {
        const [writer, reader] = round % 2 ? [a, b] : [b, a]
        const name = `shared-${round}-${seq}`
        await WRITES[round % WRITES.length]![1](writer, t, name)
        for (const [readName, read] of READS) {
          const { name: seen } = await read(reader, t)
          if (seen !== name) violations.push(`round ${round}: ${readName} read ${seen}, not ${name}`)
        }
      }
    } finally {
      await stopReaders()
    }
    expect(violations).toEqual([])
  })
})
