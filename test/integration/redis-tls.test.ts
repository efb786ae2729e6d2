// providers: postgres — about the Redis connection, not the database
/**
 * TLS: the whole workload (both Redis stores, the bus, locks, the key/value API, `clear()`) over
 * `rediss://` to a TLS-only redis-server whose certificate is signed by a CA made for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { connected, REDIS_STORE_KINDS, runRedisWorkload } from '../helpers/redis-workload.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'

let db: TestDatabase
let server: TlsRedis
beforeAll(async () => {
  ;[db, server] = await Promise.all([createTestDatabase(), startTlsRedis()])
})
afterAll(async () => {
  await server?.stop()
  await db?.drop()
})

describe('rediss://', () => {
  it.each(REDIS_STORE_KINDS)('runs the whole workload on the %s store over TLS', async (kind) => {
    const errors = await runRedisWorkload(db, kind, uniqueNamespace(), { tls: { ca: server.ca } }, server.url)
    expect(errors.map((e) => e.message)).toEqual([])
  })

  it('refuses a server whose certificate another CA signed', async () => {
    await expect(connected({ tls: { ca: server.otherCa }, retryStrategy: () => null }, server.url)).rejects.toThrow()
  })
})
