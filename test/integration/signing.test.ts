/**
 * Signed entries (option `sign`): someone with write access to the Redis cannot plant, alter or
 * move an entry. A missing or wrong MAC is a miss reported as `CacheSignatureError`, the payload
 * is never decoded, the database answers, and the entry is replaced by a signed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigError, CacheSignatureError, type CacheError } from '../../src/index.js'
import { parseEntry } from '../../src/codec/entry.js'
import { cachedClient, testRedis, uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let userId: number
beforeAll(async () => {
  db = await createTestDatabase()
  userId = (await db.prisma.user.create({ data: { email: 'signed@example.com', name: 'Real name' } })).id
})
afterAll(() => db?.drop())

/** A signed client on the shared Redis, collecting the errors it reports. */
function signedClient(secret: string | string[], namespace = uniqueNamespace(), scope?: () => string | undefined) {
  const errors: CacheError[] = []
  const { prisma } = cachedClient(db, 'redis', { namespace, sign: { secret }, onError: (e) => errors.push(e), ...(scope && { scope }) })
  return { prisma, errors, namespace }
}

/**
 * At least one error, all of them signature errors. (On a shared store a miss also re-reads the
 * entry beside its lock attempt, which reports the same bad entry a second time.)
 */
function expectSignatureErrors(errors: CacheError[]): void {
  expect(errors.length).toBeGreaterThan(0)
  expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['E_CACHE_SIGNATURE']))
}

const readUser = (prisma: ReturnType<typeof signedClient>['prisma']) => prisma.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()

describe('sign: { secret }', () => {
  it('stores entries with a MAC in front and serves them as hits', async () => {
    const { prisma, errors } = signedClient('s3cret')
    const first = await readUser(prisma)
    const stored = await testRedis().getBuffer(first.info.key!)
    expect(stored!.toString('latin1', 0, 4)).toBe('pqs1')
    db.executions.reset()
    const hit = await readUser(prisma)
    expect(hit.info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    expect(errors).toEqual([])
  })

  it('an altered entry is a miss with CacheSignatureError, never served, and is replaced', async () => {
    const { prisma, errors } = signedClient('s3cret')
    const { info } = await readUser(prisma)
    const redis = testRedis()
    const stored = (await redis.getBuffer(info.key!))!
    // The attacker edits the cached row in place: same length, valid JSON, valid envelope.
    const forged = Buffer.from(stored.toString('latin1').replace('Real name', 'Evil name'), 'latin1')
    expect(forged.equals(stored)).toBe(false)
    await redis.set(info.key!, forged, 'KEEPTTL')
    db.executions.reset()
    const read = await readUser(prisma)
    expect(read.data?.name).toBe('Real name')
    expect(read.info.status).toBe('miss')
    expect(db.executions.reads).toBe(1)
    expectSignatureErrors(errors)
    expect(errors[0]).toBeInstanceOf(CacheSignatureError)
    const replaced = await redis.getBuffer(info.key!)
    expect(replaced!.equals(forged)).toBe(false)
    expect((await readUser(prisma)).info.status).toBe('hit')
  })

  it('an unsigned entry (written by a client without the secret) is a miss and is not decoded', async () => {
    const namespace = uniqueNamespace()
    const unsigned = cachedClient(db, 'redis', { namespace }).prisma
    const { info } = await unsigned.user.findUnique({ where: { id: userId }, cache: true }).withCacheInfo()
    // Replace the payload by one that would throw if it were ever decoded.
    const redis = testRedis()
    const text = (await redis.getBuffer(info.key!))!.toString('utf8')
    await redis.set(info.key!, text.slice(0, text.indexOf('\n') + 1) + '{not json', 'KEEPTTL')
    const { prisma, errors } = signedClient('s3cret', namespace)
    db.executions.reset()
    const read = await readUser(prisma)
    expect(read.data?.name).toBe('Real name')
    expect(db.executions.reads).toBe(1)
    expectSignatureErrors(errors)
  })

  it('an entry copied under another key (another scope) is a miss: the MAC is bound to the key', async () => {
    let tenant = 'a'
    const { prisma, errors } = signedClient('s3cret', uniqueNamespace(), () => tenant)
    const keyA = (await readUser(prisma)).info.key!
    tenant = 'b'
    const keyB = keyA.replace(':sa:', ':sb:')
    expect(keyB).not.toBe(keyA)
    const redis = testRedis()
    await redis.set(keyB, (await redis.getBuffer(keyA))!, 'PX', 60_000)
    db.executions.reset()
    const read = await readUser(prisma)
    expect(read.info.status).toBe('miss')
    expect(db.executions.reads).toBe(1)
    expectSignatureErrors(errors)
  })

  it('rotation: entries signed with the old secret still hit while it is listed, and miss once it is dropped', async () => {
    const namespace = uniqueNamespace()
    await readUser(signedClient('old', namespace).prisma)
    const rotated = signedClient(['new', 'old'], namespace)
    db.executions.reset()
    expect((await readUser(rotated.prisma)).info.status).toBe('hit')
    expect(db.executions.total).toBe(0)
    const dropped = signedClient('new', namespace)
    expect((await readUser(dropped.prisma)).info.status).toBe('miss')
    expectSignatureErrors(dropped.errors)
    // The new secret signs: after the miss rewrote it, the entry verifies with 'new' alone.
    const stored = await testRedis().getBuffer((await readUser(dropped.prisma)).info.key!)
    expect(() => parseEntry(stored!)).toThrow() // signed: not a bare envelope any more
  })

  it('the key/value API verifies too: a forged value reads as absent', async () => {
    const { prisma, errors, namespace } = signedClient('s3cret')
    await prisma.$cache.set('greeting', { text: 'hello' })
    expect(await prisma.$cache.get('greeting')).toEqual({ text: 'hello' })
    const redis = testRedis()
    const key = `${namespace}:u:greeting`
    const forged = (await redis.getBuffer(key))!.toString('latin1').replace('hello', 'HELLO')
    await redis.set(key, forged, 'KEEPTTL')
    expect(await prisma.$cache.get('greeting')).toBeUndefined()
    expect(errors.map((e) => e.code)).toEqual(['E_CACHE_SIGNATURE'])
  })

  it('is validated: a secret is a non-empty string or Buffer, or a non-empty array of them', () => {
    const bad = [{}, { secret: '' }, { secret: [] }, { secret: 5 }, { secret: ['ok', Buffer.alloc(0)] }, { secret: 'x', other: 1 }]
    for (const sign of bad) expect(() => cachedClient(db, 'memory', { sign: sign as never })).toThrow(CacheConfigError)
    expect(() => cachedClient(db, 'memory', { sign: { secret: Buffer.from('k') } })).not.toThrow()
  })
})
