// providers: postgres — the CLI reads Redis; its warm fixture uses the PostgreSQL client
/**
 * The `prisma-query-cache` CLI, run as a real child process against the real Redis: every
 * command, its `--json` output, exit codes (0 ok, 1 failure, 2 bad usage), `warm` making the
 * next reads hits, `clear --yes` leaving foreign keys alone, and `stats` over 20,000 keys.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { freePort } from '../helpers/broken-redis.js'
import { cachedClient, testRedis, uniqueNamespace, type CachedClient } from '../helpers/cached-client.js'
import { json, runCli } from '../helpers/cli.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { waitFor } from '../helpers/redis-server.js'
import { redisUrl } from '../helpers/services.js'
import { redisStore, tieredStore } from '../../src/index.js'

// Each test starts the CLI as a child process (node + tsx): slow on a loaded machine.
vi.setConfig({ testTimeout: 120_000 })

let db: TestDatabase
let adaId: number
let bobId: number

beforeAll(async () => {
  db = await createTestDatabase()
  adaId = (await db.prisma.user.create({ data: { email: 'ada@example.com', name: 'Ada' } })).id
  bobId = (await db.prisma.user.create({ data: { email: 'bob@example.com', name: 'Bob' } })).id
})
afterAll(() => db?.drop())

/** Deletes every key of `namespace` (and only those). */
async function dropNamespace(namespace: string): Promise<void> {
  const redis = testRedis()
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.unlink(...keys)
  } while (cursor !== '0')
}

describe('stats, inspect and invalidate on a populated namespace', () => {
  let prisma: CachedClient
  let namespace: string
  const cli = (...args: string[]) => runCli(['--redis', redisUrl, '--namespace', namespace, ...args])

  beforeAll(async () => {
    ;({ prisma, namespace } = cachedClient(db, 'redis'))
    await prisma.user.findUnique({ where: { id: adaId }, cache: true })
    await prisma.user.findUnique({ where: { id: bobId }, cache: true })
    await prisma.user.findMany({ cache: { ttl: 300 } })
    await prisma.user.count({ cache: true })
    await prisma.$cache.set('greeting', 'hello', { ttl: 30 })
    await prisma.$cache.settle()
  })
  afterAll(() => dropNamespace(namespace))

  it('stats --json counts entries, bytes and TTLs per model and operation', async () => {
    const run = await cli('stats', '--json')
    expect(run.code).toBe(0)
    const report = json(run)
    const group = (kind: string, operation?: string) => report.groups.find((g: any) => g.kind === kind && (operation === undefined || g.operation === operation))
    expect(group('entry', 'findUnique')).toMatchObject({ model: 'User', keys: 2 })
    expect(group('entry', 'findMany')).toMatchObject({ model: 'User', keys: 1 })
    expect(group('entry', 'count')).toMatchObject({ model: 'User', keys: 1 })
    expect(group('kv')).toMatchObject({ keys: 1 })
    expect(group('version').keys).toBeGreaterThan(0)
    expect(group('entry', 'findMany').ttlMs.max).toBeGreaterThan(60_000) // its own ttl: 300
    expect(group('entry', 'findMany').ttlMs.max).toBeLessThanOrEqual(300_000)
    expect(group('entry', 'findUnique').bytes).toBeGreaterThan(0)
    expect(report.keys).toBe(report.groups.reduce((n: number, g: any) => n + g.keys, 0))
    expect(report.durationMs).toBeGreaterThanOrEqual(0)
  })

  it('stats prints a table and how long it took', async () => {
    const run = await cli('stats')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^User\s+findUnique\s+2\s/m)
    expect(run.stdout).toMatch(/scanned [\d,]+ keys of the database in \d/)
  })

  it('inspect <model> lists each entry with its dependencies, and shows which a write made invalid', async () => {
    let report = json(await cli('inspect', 'User', '--json'))
    expect(report.total).toBe(4)
    expect(report.valid).toBe(4)
    for (const entry of report.entries) {
      expect(entry).toMatchObject({ model: 'User', valid: true, fresh: true })
      expect(entry.ttlMs).toBeGreaterThan(0)
      expect(entry.dependencies.length).toBeGreaterThan(0)
    }
    await prisma.user.update({ where: { id: adaId }, data: { name: 'Ada L.' } })
    report = json(await cli('inspect', 'User', '--json'))
    const byOperation = (op: string) => report.entries.filter((e: any) => e.operation === op)
    expect(byOperation('findMany')[0]).toMatchObject({ valid: false })
    expect(byOperation('findMany')[0].reason).toMatch(/changed/)
    expect(byOperation('findUnique').map((e: any) => e.valid).sort()).toEqual([false, true]) // Bob's row entry survives
    expect(report.valid).toBe(1)
    expect(JSON.stringify(report)).not.toContain('bob@example.com') // headers only, never values
  })

  it('inspect <key> shows one entry; an unknown key fails with exit code 1', async () => {
    const { info } = await prisma.user.count({ cache: true }).withCacheInfo()
    await prisma.$cache.settle()
    const report = json(await cli('inspect', info.key!, '--json'))
    expect(report.entries).toHaveLength(1)
    expect(report.entries[0]).toMatchObject({ key: info.key, operation: 'count' })
    const missing = await cli('inspect', `${namespace}:e:nothing`, '--json')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no key/)
  })

  it('invalidate --models makes the next read a miss; --tags reaches tagged entries only', async () => {
    await prisma.user.findMany({ cache: true })
    await prisma.user.count({ cache: { tags: ['dashboard'] } })
    await prisma.post.count({ cache: { tags: ['dashboard'] } })
    await prisma.category.count({ cache: true })
    await prisma.$cache.settle()
    const run = await cli('invalidate', '--models', 'User', '--json')
    expect(run.code).toBe(0)
    expect(json(run)).toMatchObject({ models: ['User'], tags: [] })
    db.executions.reset()
    expect((await prisma.user.findMany({ cache: true }).withCacheInfo()).info.status).toBe('miss')
    expect(db.executions.reads).toBe(1)
    expect((await cli('invalidate', '--tags', 'dashboard')).code).toBe(0)
    expect((await prisma.post.count({ cache: { tags: ['dashboard'] } }).withCacheInfo()).info.status).toBe('miss')
    expect((await prisma.category.count({ cache: true }).withCacheInfo()).info.status).toBe('hit')
  })
})

describe('inspect on signed entries', () => {
  it('reads the headers of entries written with sign: { secret }, marked signed (the signature is not checked)', async () => {
    const { prisma, namespace } = cachedClient(db, 'redis', { sign: { secret: 'cli-inspect-secret' } })
    try {
      await prisma.user.findUnique({ where: { id: adaId }, cache: true })
      await prisma.user.count({ cache: true })
      await prisma.$cache.settle()
      const report = json(await runCli(['--redis', redisUrl, '--namespace', namespace, 'inspect', 'User', '--json']))
      expect(report).toMatchObject({ total: 2, valid: 2 })
      for (const entry of report.entries) expect(entry).toMatchObject({ valid: true, signed: true, dependencies: expect.arrayContaining([expect.objectContaining({ ok: true })]) })
      const text = await runCli(['--redis', redisUrl, '--namespace', namespace, 'inspect', 'User'])
      expect(text.stdout).toMatch(/valid, signature not checked/)
    } finally {
      await dropNamespace(namespace)
    }
  })
})

describe('invalidate and clear on tiered processes', () => {
  // [label, the tiered store's channel option (undefined: '<namespace>:bus'), whether the CLI is told it]
  it.each([
    ['<namespace>:bus', undefined],
    ['a channel of its own, given with --channel', 'cli-test-bus'],
  ])('announced on %s: a tiered process evicts its L1 copies and reads the new rows', async (_label, custom) => {
    const channel = custom && `${custom}-${uniqueNamespace()}`
    const store = tieredStore({ l2: redisStore({ client: testRedis() }), ...(channel && { channel }) })
    const { prisma, namespace } = cachedClient(db, 'redis', { store })
    const cli = (...args: string[]) => runCli(['--redis', redisUrl, '--namespace', namespace, ...(channel ? ['--channel', channel] : []), ...args])
    const { id } = await db.prisma.user.create({ data: { email: `tiered-cli-${custom ?? 'default'}@example.com`, name: 'Old' } })
    const read = () => prisma.user.findUnique({ where: { id }, cache: true }).withCacheInfo()
    /** Reads until L1 holds the entry, changes the row behind the cache's back, runs the CLI, waits for its message. */
    const changeAndRun = async (name: string, ...args: string[]) => {
      await read()
      await prisma.$cache.settle()
      expect((await read()).info.status).toBe('hit')
      await db.prisma.user.update({ where: { id }, data: { name } }) // the raw client: the cache sees no write
      const seen = store.bus.sequence
      expect((await cli(...args)).code).toBe(0)
      await waitFor(() => store.bus.sequence > seen, "the CLI's announcement did not arrive on the bus")
    }
    try {
      await waitFor(() => store.bus.healthy, 'the tiered bus did not subscribe')
      if (channel) expect(store.bus.channel).toBe(channel)
      await changeAndRun('New', 'invalidate', '--models', 'User')
      const after = await read()
      expect([after.info.status, after.data?.name]).toEqual(['miss', 'New'])
      await changeAndRun('Newer', 'clear', '--yes')
      const cleared = await read()
      expect([cleared.info.status, cleared.data?.name]).toEqual(['miss', 'Newer'])
    } finally {
      await db.prisma.user.delete({ where: { id } })
      await store.close()
      await dropNamespace(namespace)
    }
  })

  it('--channel must not be empty (exit 2)', async () => {
    const run = await runCli(['--redis', redisUrl, '--channel', '', 'invalidate', '--models', 'User'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--channel/)
  })
})

describe('exit codes', () => {
  it('2 on bad usage', async () => {
    const usages = [
      ['frobnicate', '--redis', redisUrl],
      ['invalidate', '--redis', redisUrl],
      ['inspect', 'not a model!', '--redis', redisUrl],
      ['stats', '--redis', redisUrl, '--namespace', 'bad namespace*'],
      ['inspect', '--redis', redisUrl],
      ['inspect', 'User', '--limit', 'zero', '--redis', redisUrl],
      [],
    ]
    for (const args of usages) {
      const run = await runCli(args)
      expect({ args, code: run.code }, run.stderr).toEqual({ args, code: 2 })
      expect(run.stderr).not.toBe('')
    }
    const noRedis = await runCli(['stats'], { env: { REDIS_URL: '' } })
    expect(noRedis.code).toBe(2)
    expect(noRedis.stderr).toMatch(/--redis/)
  })

  it('0 for --help, listing every command', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    for (const command of ['stats', 'inspect', 'invalidate', 'clear', 'warm']) expect(run.stdout).toContain(command)
  })

  it('1 when Redis cannot be reached', async () => {
    const run = await runCli(['stats', '--redis', `redis://127.0.0.1:${await freePort()}`])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/cannot reach Redis/)
  })
})

describe('clear', () => {
  it('asks first and deletes nothing without a yes (exit 1)', async () => {
    const namespace = uniqueNamespace()
    await testRedis().set(`${namespace}:u:k`, 'v')
    const run = await runCli(['clear', '--redis', redisUrl, '--namespace', namespace], { input: 'n\n' })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`Delete every key of namespace "${namespace}"`)
    expect(await testRedis().exists(`${namespace}:u:k`)).toBe(1)
    await dropNamespace(namespace)
  })

  it('--yes deletes every key of the namespace and leaves foreign keys alone', async () => {
    const namespace = uniqueNamespace()
    const redis = testRedis()
    const own = Array.from({ length: 2500 }, (_, i) => `${namespace}:e:fp:User:findMany:_:${i}`)
    const foreign = [`${namespace}x:e:1`, `${namespace}`, `other:${namespace}:e:1`, `${namespace.toUpperCase()}:e:1`]
    const pipeline = redis.pipeline()
    for (const key of [...own, ...foreign]) pipeline.set(key, 'v', 'PX', 60_000)
    await pipeline.exec()
    const run = await runCli(['clear', '--yes', '--json', '--redis', redisUrl, '--namespace', namespace])
    expect(run.code).toBe(0)
    expect(json(run)).toMatchObject({ namespace, deleted: 2500 })
    expect(await redis.exists(...own.slice(0, 100))).toBe(0)
    expect(await redis.exists(...foreign)).toBe(foreign.length)
    await redis.unlink(...foreign)
  })
})

describe('warm', () => {
  it('runs the module against the cache so that the next reads are hits', async () => {
    const namespace = uniqueNamespace()
    try {
      const run = await runCli(['warm', 'test/fixtures/warm-module.ts', '--redis', redisUrl, '--namespace', namespace, '--json'], { env: { WARM_DATABASE_URL: db.url } })
      expect(run.code, run.stderr).toBe(0)
      expect(json(run)).toMatchObject({ reads: 3, stored: 3, alreadyCached: 0, errors: 0 })
      const { prisma } = cachedClient(db, 'redis', { namespace })
      db.executions.reset()
      const infos = await Promise.all([
        prisma.user.findMany({ orderBy: { id: 'asc' }, cache: true }).withCacheInfo(),
        prisma.user.count({ cache: true }).withCacheInfo(),
        prisma.user.findUnique({ where: { email: 'ada@example.com' }, cache: true }).withCacheInfo(),
      ])
      expect(infos.map((r) => r.info.status)).toEqual(['hit', 'hit', 'hit'])
      expect(db.executions.total).toBe(0)
      const again = json(await runCli(['warm', 'test/fixtures/warm-module.ts', '--redis', redisUrl, '--namespace', namespace, '--json'], { env: { WARM_DATABASE_URL: db.url } }))
      expect(again).toMatchObject({ reads: 3, stored: 0, alreadyCached: 3 })
    } finally {
      await dropNamespace(namespace)
    }
  })

  it('fails with exit code 2 on a module without the expected exports, 1 on one that cannot load', async () => {
    const bad = await runCli(['warm', 'test/helpers/services.ts', '--redis', redisUrl])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/must export `prisma`/)
    const missing = await runCli(['warm', 'test/fixtures/nope.ts', '--redis', redisUrl])
    expect(missing.code).toBe(1)
  })
})

describe('stats over 20,000 keys', () => {
  it('totals every key, in SCAN batches', async () => {
    const namespace = uniqueNamespace()
    const redis = testRedis()
    try {
      const models = ['User', 'Product', 'Order', 'Post']
      for (let start = 0; start < 20_000; start += 5000) {
        const pipeline = redis.pipeline()
        for (let i = start; i < start + 5000; i++) pipeline.set(`${namespace}:e:fp:${models[i % 4]}:findMany:_:${i}`, 'pqc1{}\n[]', 'PX', 600_000)
        await pipeline.exec()
      }
      const report = json(await runCli(['stats', '--json', '--redis', redisUrl, '--namespace', namespace]))
      expect(report.keys).toBe(20_000)
      expect(report.groups.map((g: any) => [g.model, g.keys]).sort()).toEqual([['Order', 5000], ['Post', 5000], ['Product', 5000], ['User', 5000]])
      expect(report.databaseKeys).toBeGreaterThanOrEqual(20_000)
    } finally {
      await dropNamespace(namespace)
    }
  })
})
