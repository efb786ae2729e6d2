// providers: postgres — exercises the cache store, which does not depend on the database
/**
 * Processes on `tieredStore` and processes on plain `redisStore` sharing a namespace (say, during
 * a rollout): a plain Redis process announces its invalidations on the bus, so a tiered process
 * drops its L1 copies once the message arrives.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { redisStore, tieredStore } from '../../src/index.js'
import { cachedClient, testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { redisUrl } from '../helpers/services.js'

let db: TestDatabase
const closers: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  for (const close of closers) await close()
  await db?.drop()
})

async function setup(announce: boolean) {
  const namespace = uniqueNamespace()
  const channel = `pqc-test-bus:${randomBytes(6).toString('hex')}`
  const bus = new Redis(redisUrl)
  const tiered = tieredStore({ l2: redisStore({ client: testRedis(), channel }), bus, channel })
  closers.push(async () => {
    await tiered.close()
    bus.disconnect()
  })
  await new Promise((resolve) => setTimeout(resolve, 50)) // the subscription is live
  const a = cachedClient(db, 'redis', { namespace, store: tiered }).prisma
  const b = cachedClient(db, 'redis', { namespace, store: redisStore({ client: testRedis(), channel: announce ? channel : false }) }).prisma
  const tag = await db.prisma.tag.create({ data: { name: `mixed-${namespace}` } })
  const read = () => a.tag.findUnique({ where: { id: tag.id }, cache: true }).withCacheInfo()
  await read()
  expect((await read()).info.status).toBe('hit')
  return { b, tag, read }
}

it('a write on a plain redisStore process evicts the tiered process L1 copy once the bus delivers', async () => {
  const { b, tag, read } = await setup(true)
  await b.tag.update({ where: { id: tag.id }, data: { name: 'renamed by the redis process' } })
  await new Promise((resolve) => setTimeout(resolve, 100)) // bus delivery (guarantee 2 allows this lag)
  const after = await read()
  expect(after.data?.name).toBe('renamed by the redis process')
  expect(after.info.status).toBe('miss')
})

it("with channel: false the redis process announces nothing, and the tiered process keeps serving its L1 copy (why it is the default)", async () => {
  const { b, tag, read } = await setup(false)
  await b.tag.update({ where: { id: tag.id }, data: { name: 'unannounced' } })
  await new Promise((resolve) => setTimeout(resolve, 100))
  const after = await read()
  expect(after.info.status).toBe('hit')
  expect(after.data?.name).toBe(tag.name)
})
