// providers: postgres — about where keys live on a Redis Cluster, not the database
/**
 * The bucketed key layout on the run's test cluster (3 masters): a read's entry, its lock and
 * the copies of the versions it checks share one hash slot, so a warm hit is one MGET on one
 * master and a miss two script calls; a write gives every bucket's copy the same new token; a
 * getOrSet whose inner reads live in other buckets is still invalidated by their writes; the
 * direct-to-master hit path survives a stale slot map. Counted with INFO commandstats.
 */
import calculateSlot from 'cluster-key-slot'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CacheConfigError, redisStore } from '../../src/index.js'
import { cachedClient, testCluster, testRedis, type CachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { parseCommandStats } from '../helpers/redis-server.js'

const USERS = 40
const BUCKETS = 16

let db: TestDatabase
let cluster: Cluster

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.user.createMany({ data: Array.from({ length: USERS }, (_, i) => ({ email: `u${i + 1}@example.com`, name: `User ${i + 1}` })) })
  const users = await db.prisma.user.findMany({ orderBy: { id: 'asc' } })
  await db.prisma.order.createMany({ data: users.slice(0, 10).map((u, i) => ({ userId: u.id, total: `${i + 1}.50` })) })
  cluster = testCluster()
  await cluster.ping()
})
afterAll(() => db?.drop())

/** Every key of `namespace` on every master. */
async function keysOf(namespace: string): Promise<string[]> {
  const found: string[] = []
  for (const node of cluster.nodes('master')) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000)
      cursor = next
      found.push(...keys)
    } while (cursor !== '0')
  }
  return found
}

/** Commands the masters ran since the last {@link resetCommandStats}, by name (cluster housekeeping left out). */
async function commandStats(): Promise<Record<string, number>> {
  const total: Record<string, number> = {}
  for (const node of cluster.nodes('master')) {
    for (const [name, calls] of Object.entries(parseCommandStats(await node.info('commandstats')))) {
      if (/^(config|info|cluster|replconf|ping|command|client)/.test(name)) continue
      total[name] = (total[name] ?? 0) + calls
    }
  }
  return total
}
const resetCommandStats = () => Promise.all(cluster.nodes('master').map((node: Redis) => node.config('RESETSTAT')))

/** The hash tag of a key (`{…}`), or undefined. */
const hashTag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1]

describe('the bucketed layout on a Redis Cluster', () => {
  let prisma: CachedClient
  let namespace: string
  let ids: number[]
  beforeEach(async () => {
    ({ prisma, namespace } = cachedClient(db, 'cluster'))
    ids = (await db.prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((u) => u.id)
  })

  it('an entry and the versions it checks share one slot, and reads spread over the buckets', async () => {
    const entryKeys: string[] = []
    for (const id of ids) entryKeys.push((await prisma.user.findUnique({ where: { id }, cache: true }).withCacheInfo()).info.key!)
    const tags = new Set(entryKeys.map(hashTag))
    expect(tags.has(undefined)).toBe(false)
    // 40 keys over 16 buckets: all in one bucket would mean the layout does not spread.
    expect(tags.size).toBeGreaterThan(4)
    const keys = await keysOf(namespace)
    for (const entry of entryKeys) {
      expect(keys).toContain(entry)
      const versions = keys.filter((k) => k.startsWith(`${namespace}:v:`) && hashTag(k) === hashTag(entry))
      expect(versions.length, `version copies beside ${entry}`).toBeGreaterThan(0)
      for (const v of versions) expect(calculateSlot(v)).toBe(calculateSlot(entry))
    }
    // The buckets sit on every master (slots chosen evenly over the slot space).
    const masters = new Set(entryKeys.map((k) => cluster.slots[calculateSlot(k)]![0]))
    expect(masters.size).toBe(3)
  })

  it('a warm hit is one MGET on one master; a cold miss is the lookup script and the fill script', async () => {
    for (const id of ids) await prisma.user.findUnique({ where: { id }, cache: true })
    await prisma.order.findMany({ include: { user: true }, orderBy: { id: 'asc' }, cache: true })
    await resetCommandStats()
    db.executions.reset()
    for (const id of ids) expect((await prisma.user.findUnique({ where: { id }, cache: true }).withCacheInfo()).info.status).toBe('hit')
    expect((await prisma.order.findMany({ include: { user: true }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect(await commandStats()).toEqual({ mget: ids.length + 1 })

    // Misses on keys never read: one script to look up and lock, one to store and unlock.
    await resetCommandStats()
    for (const id of ids) await prisma.user.findFirst({ where: { id, name: { not: 'cold' } }, cache: true })
    // commandstats also counts the commands a script runs (get, set, del): the requests are the scripts.
    const stats = await commandStats()
    const scripts = (stats.evalsha ?? 0) + (stats.eval ?? 0)
    expect(scripts).toBeGreaterThanOrEqual(2 * ids.length)
    expect(scripts).toBeLessThanOrEqual(2 * ids.length + 12) // NOSCRIPT, then EVAL: at most once per script and master
    expect(stats.mget).toBeUndefined()
  })

  it('a write gives every bucket’s copy of a bumped version the same new token', async () => {
    for (const id of ids) await prisma.user.findUnique({ where: { id }, cache: true })
    const read = async () => {
      const keys = (await keysOf(namespace)).filter((k) => k.startsWith(`${namespace}:v:`))
      const values = await Promise.all(keys.map((k) => cluster.get(k)))
      return new Map(keys.map((k, i) => [k, values[i]]))
    }
    const before = await read()
    await prisma.user.update({ where: { id: ids[3]! }, data: { name: 'Renamed' } })
    const after = await read()
    const bumped = [...after].filter(([k, v]) => before.get(k) !== v)
    expect(bumped.length).toBeGreaterThan(0)
    const byTag = new Map<string, [string, string | null | undefined][]>()
    for (const [key, value] of bumped) {
      const tag = key.slice(key.indexOf('}:') + 2)
      byTag.set(tag, [...(byTag.get(tag) ?? []), [key, value]])
    }
    for (const [tag, copies] of byTag) {
      expect(copies.length, `copies of ${tag}`).toBe(BUCKETS)
      expect(new Set(copies.map(([k]) => calculateSlot(k))).size, `slots of ${tag}`).toBe(BUCKETS)
      expect(new Set(copies.map(([, v]) => v)).size, `tokens of ${tag}`).toBe(1)
    }
  })

  it('a write invalidates the reads of every bucket: each next read equals the database', async () => {
    for (const id of ids) await prisma.user.findUnique({ where: { id }, cache: true })
    await prisma.user.updateMany({ data: { role: 'ADMIN' } })
    db.executions.reset()
    for (const id of ids) {
      const { data, info } = await prisma.user.findUnique({ where: { id }, cache: true }).withCacheInfo()
      expect(info.status).toBe('miss')
      const [row] = await db.sql<{ role: string }>('SELECT role FROM "User" WHERE id = $1', [id])
      expect(data?.role).toBe(row!.role)
    }
    expect(db.executions.reads).toBe(ids.length)
  })

  it('a getOrSet whose reads live in other buckets hits, and is recomputed after a write to one of them', async () => {
    let runs = 0
    const compute = () => prisma.$cache.getOrSet('roster', async () => {
      runs++
      const names: string[] = []
      for (const id of ids.slice(0, 12)) names.push((await prisma.user.findUnique({ where: { id }, cache: true }))!.name)
      return names
    }, { ttl: 60 })
    const first = await compute()
    const keys = await keysOf(namespace)
    const roster = keys.find((k) => k.startsWith(`${namespace}:u:`))!
    const readBuckets = new Set(keys.filter((k) => k.startsWith(`${namespace}:e:`)).map(hashTag))
    readBuckets.delete(hashTag(roster))
    expect(readBuckets.size, 'inner reads in buckets other than the getOrSet entry’s').toBeGreaterThan(0)

    expect(await compute()).toEqual(first)
    expect(runs).toBe(1)
    // Every inner read in turn: whichever bucket it lives in, its write reaches the composite.
    for (const id of ids.slice(0, 12)) {
      await prisma.user.update({ where: { id }, data: { name: `Renamed ${id}` } })
      const names = await compute()
      expect(names).toContain(`Renamed ${id}`)
    }
    expect(runs).toBe(13)
  })

  it('a hit sent to a master that no longer serves the slot is redirected, and still hits', async () => {
    const { info } = await prisma.user.findUnique({ where: { id: ids[0]! }, cache: true }).withCacheInfo()
    const slot = calculateSlot(info.key!)
    const owner = cluster.slots[slot]![0]!
    const other = cluster.nodes('master').map((n) => `${n.options.host}:${n.options.port}`).find((a) => a !== owner)!
    cluster.slots[slot] = [other] // a stale slot map, as after a resharding the client has not seen yet
    const errors: unknown[] = []
    prisma.$cache.on('error', (e) => errors.push(e))
    db.executions.reset()
    const again = await prisma.user.findUnique({ where: { id: ids[0]! }, cache: true }).withCacheInfo()
    expect(again.info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect(errors).toEqual([])
    expect(cluster.slots[slot]![0]).toBe(owner) // the redirection corrected the client's map
  })
})

describe('the buckets option', () => {
  it.each([0, 1.5, 4096, Number.NaN])('buckets: %s is a CacheConfigError naming the option', (buckets) => {
    expect(() => redisStore({ client: testCluster(), buckets })).toThrow(CacheConfigError)
    expect(() => redisStore({ client: testCluster(), buckets })).toThrow(/buckets/)
  })

  it('is ignored on one server: keys keep their plain form', async () => {
    const store = redisStore({ client: testRedis(), buckets: 64 })
    expect(store.buckets).toBe(1)
    const { prisma } = cachedClient(db, 'redis', { store })
    const { info } = await prisma.user.findFirst({ cache: true }).withCacheInfo()
    expect(info.key).not.toContain('{')
  })

  it('buckets: 1 on a cluster keeps the unbucketed layout, reads across slots, and still invalidates', async () => {
    const store = redisStore({ client: testCluster(), buckets: 1 })
    const { prisma } = cachedClient(db, 'cluster', { store })
    const read = () => prisma.user.findMany({ where: { id: { lte: 5 } }, orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const first = await read()
    expect(first.info.key).not.toContain('{')
    expect((await read()).info.status).toBe('hit')
    await prisma.user.update({ where: { email: 'u2@example.com' }, data: { name: 'Two' } })
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data.map((u) => u.name)).toContain('Two')
  })
})
