// providers: postgres — counts Redis commands around one read, which do not depend on the database
/**
 * What a Redis miss sends, and when. A key this process has not read lately is probably a miss,
 * so its lookup also creates the missing versions and takes the stampede lock: one command (one
 * round trip) before the database query, and one after it (the entry write with the unlock),
 * which the read does not wait for. Commands are counted at the ioredis client; the moment the
 * query reaches the database is marked at the driver adapter.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockKey } from '../../src/codec/keys.js'
import { redisStore } from '../../src/index.js'
import { cachedClient } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let redis: Redis
let userId: number
/** Redis command names in the order they were sent, with 'DB' where a statement reached PostgreSQL. */
const timeline: string[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'trips@example.com', name: 'Trips' } })).id
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    timeline.push(command.name.toUpperCase())
    return (send as (...a: unknown[]) => unknown)(command, ...rest)
  }) as typeof redis.sendCommand
  // Marks the moment a statement reaches the database; holds nothing.
  db.gate.close(() => {
    timeline.push('DB')
    return false
  })
})
afterAll(async () => {
  db?.gate.open()
  redis?.disconnect()
  await db?.drop()
})

function instance(namespace?: string) {
  return cachedClient(db, 'redis', { store: redisStore({ client: redis }), ...(namespace && { namespace }) })
}

const read = (prisma: ReturnType<typeof instance>['prisma']) => prisma.user.findUnique({ where: { id: userId }, cache: { ttl: 60 } }).withCacheInfo()

describe('round trips of a Redis read', () => {
  it('a miss of a key not read lately sends one command before its query and one after, not awaited', async () => {
    const { prisma } = instance()
    // Another key first, so the scripts are loaded on the server (a first EVALSHA fails with NOSCRIPT and is resent as EVAL).
    await prisma.user.findFirst({ where: { id: userId }, cache: true })
    await prisma.$cache.settle()
    timeline.length = 0
    const first = await read(prisma)
    expect(first.info.status).toBe('miss')
    const untilDb = timeline.slice(0, timeline.indexOf('DB'))
    expect(untilDb, 'one lookup before the query: entry, versions created, lock taken').toHaveLength(1)
    expect(untilDb[0]).toBe('EVALSHA')
    const atReturn = timeline.length
    await prisma.$cache.settle()
    const afterQuery = timeline.slice(timeline.indexOf('DB') + 1)
    expect(afterQuery, 'the entry write and the unlock are one command').toHaveLength(1)
    expect(atReturn - timeline.indexOf('DB') - 1, 'and the read did not wait for more than it').toBeLessThanOrEqual(1)
  })

  it('a key read lately is looked up with one MGET, and a hit sends nothing else', async () => {
    const { prisma } = instance()
    await read(prisma)
    await prisma.$cache.settle()
    timeline.length = 0
    const again = await read(prisma)
    expect(again.info.status).toBe('hit')
    expect(timeline).toEqual(['MGET'])
  })

  it('a hit on a key filled by another process releases the lock its lookup took', async () => {
    const writer = instance()
    await read(writer.prisma)
    await writer.prisma.$cache.settle()
    const reader = instance(writer.namespace)
    const executions = db.executions.total
    const hit = await read(reader.prisma)
    expect(hit.info.status).toBe('hit')
    expect(db.executions.total - executions).toBe(0)
    await reader.prisma.$cache.settle()
    expect(await redis.exists(lockKey(writer.namespace, hit.info.key!)), 'no lock left behind').toBe(0)
    // The next fill of that key (after a write) is not kept waiting by a stale lock.
    await writer.prisma.user.update({ where: { id: userId }, data: { name: 'Trips 2' } })
    const started = Date.now()
    const fresh = await read(reader.prisma)
    expect(fresh.info.status).toBe('miss')
    expect(fresh.data?.name).toBe('Trips 2')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('reads sent in the same turn leave in one socket write, and a later read is not held back', async () => {
    const { prisma } = instance()
    const reads = Array.from({ length: 20 }, (_, i) => () => prisma.user.findFirst({ where: { id: userId, name: { not: `turn-${i}` } }, cache: { ttl: 60 } }).withCacheInfo())
    for (const r of reads) await r()
    await prisma.$cache.settle()
    const stream = redis.stream as unknown as { _writeGeneric: (...a: unknown[]) => unknown }
    const writeGeneric = stream._writeGeneric
    let writes = 0
    stream._writeGeneric = function (this: unknown, ...a: unknown[]) {
      writes++
      return writeGeneric.apply(this, a)
    }
    try {
      const hits = await Promise.all(reads.map((r) => r()))
      expect(hits.map((h) => h.info.status)).toEqual(reads.map(() => 'hit'))
      expect(timeline.slice(-20), 'twenty lookups').toEqual(reads.map(() => 'MGET'))
      expect(writes, 'one system call for the twenty').toBe(1)
      writes = 0
      expect((await reads[0]!()).info.status, 'a read alone goes out at the end of its turn').toBe('hit')
      expect(writes).toBe(1)
    } finally {
      stream._writeGeneric = writeGeneric
    }
  })
})
