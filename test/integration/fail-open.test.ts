// providers: postgres — exercises the cache store, which does not depend on the database
import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheSerializationError, CacheStoreError, CacheTimeoutError, redisStore, type CacheEvent } from '../../src/index.js'
import { brokenClient, freePort, silentServer } from '../helpers/broken-redis.js'
import { cachedClient, STORE_KINDS, type StoreKind } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const STORE_TIMEOUT_MS = 50
/** Generous: the store deadline plus far more than any loopback query needs. */
const BOUND_MS = STORE_TIMEOUT_MS + 1000

let db: TestDatabase
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  db = await createTestDatabase()
  await db.prisma.tag.createMany({ data: [{ name: 'alpha' }, { name: 'beta' }] })
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await db?.drop()
})

const tagsInDatabase = () => db.sql<{ id: number; name: string }>('SELECT id, name FROM "Tag" ORDER BY id')

/** Runs `fn`, asserting it resolves within BOUND_MS. */
async function bounded<T>(fn: () => PromiseLike<T>): Promise<T> {
  const start = performance.now()
  const value = await fn()
  expect(performance.now() - start).toBeLessThan(BOUND_MS)
  return value
}

const FAULTS: [string, expected: typeof CacheStoreError | typeof CacheTimeoutError, setup: () => Promise<{ client: Redis; close(): Promise<void> }>][] = [
  ['nothing listens on the port', CacheStoreError, async () => ({ client: brokenClient(await freePort(), false), close: async () => {} })],
  ['the server accepts connections and never answers', CacheTimeoutError, async () => {
    const server = await silentServer()
    return { client: brokenClient(server.port, true), close: () => server.close() }
  }],
]

describe.each(FAULTS)('when %s', (_name, expectedError, setup) => {
  let client: Redis
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ client, close } = await setup())
  })
  afterAll(async () => {
    client.disconnect()
    await close()
    expect(unhandled).toEqual([])
  })

  const broken = () => {
    const { prisma } = cachedClient(db, 'redis', { store: redisStore({ client }), timeouts: { store: STORE_TIMEOUT_MS } })
    const errors: CacheEvent[] = []
    prisma.$cache.on('error', (event) => errors.push(event))
    return { prisma, errors }
  }

  it('reads return the database data within the store deadline and emit error', async () => {
    const { prisma, errors } = broken()
    for (let i = 0; i < 3; i++) {
      const { data, info } = await bounded(() => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo())
      expect(data).toEqual(await tagsInDatabase())
      expect(['error', 'miss']).toContain(info.status)
    }
    await bounded(() => prisma.tag.findUnique({ where: { name: 'alpha' }, cache: true }))
    expect(errors.length).toBeGreaterThan(0)
    expect(errors[0]!.error).toBeInstanceOf(expectedError)
    expect(errors[0]).toMatchObject({ model: 'Tag', operation: 'findMany' })
  })

  it('writes return their result and emit error; later reads see the write', async () => {
    const { prisma, errors } = broken()
    const created = await bounded(() => prisma.tag.create({ data: { name: `written-${expectedError.name}` } }))
    expect(created.name).toBe(`written-${expectedError.name}`)
    expect(errors.some((e) => e.error instanceof expectedError)).toBe(true)
    const { data } = await bounded(() => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo())
    expect(data).toEqual(await tagsInDatabase())
  })

  it('invalidate() and clear() resolve and emit error', async () => {
    const { prisma, errors } = broken()
    await bounded(() => prisma.$cache.invalidate({ models: ['Tag'] }))
    await bounded(() => prisma.$cache.clear())
    expect(errors.length).toBeGreaterThanOrEqual(2)
  })

  it('$cache.add resolves false (nothing was stored) and emits error', async () => {
    const { prisma, errors } = broken()
    expect(await bounded(() => prisma.$cache.add('once', 1))).toBe(false)
    expect(await bounded(() => prisma.$cache.add('once', { not: 'an integer' }))).toBe(false)
    expect(errors.length).toBeGreaterThan(0)
  })
})

describe.each(STORE_KINDS)('a foreign value under an entry key on the %s store', (kind: StoreKind) => {
  it.each<[string, string | Buffer]>([
    ['plain text', 'not an entry'],
    ['a corrupt header', 'pqc1{broken\n{"json":[]}'],
    ['bytes', Buffer.from([0x70, 0x71, 0x63, 0x31, 0xff, 0x0a, 0x00])],
  ])('reads %s as a miss with correct data, then is overwritten by a valid entry', async (_name, garbage) => {
    const { prisma, store } = cachedClient(db, kind)
    const errors: CacheEvent[] = []
    prisma.$cache.on('error', (event) => errors.push(event))
    const read = () => prisma.tag.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo()
    const { info } = await read()
    await store.set(info.key!, garbage, 60_000)
    const after = await read()
    expect(after.info.status).toBe('miss')
    expect(after.data).toEqual(await tagsInDatabase())
    expect(errors[0]?.error).toBeInstanceOf(CacheSerializationError)
    expect((await read()).info.status).toBe('hit')
  })
})
