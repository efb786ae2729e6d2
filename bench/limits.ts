/**
 * `npm run bench:limits [-- section ...]`: the security and limits figures of the README's
 * "Security and limits" section, measured on this machine and printed as Markdown. Sections
 * (all by default): `sign` (hit p50 with and without signed entries), `tenants` (hit rate with 100
 * tenants, with and without `scopedModels`), `keys` (key derivation time against argument size),
 * `result` (a 200 MB result: returned, not cached, peak RSS against raw Prisma, each in a child
 * process), `entries` (1,000,000 entries in a Redis of its own: memory, and that every key has a
 * TTL; `PQC_LIMIT_ENTRIES` changes the count). Each section makes its own database.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { cacheExtension, memoryStore, redisStore, type CacheOptions, type CacheStore } from '../src/index.js'
import { canonicalize, hashArgs } from '../src/codec/keys.js'
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.js'
import { startRedisServer } from '../test/helpers/redis-server.js'

const log = (message: string) => process.stderr.write(`[limits] ${message}\n`)
const out = (line = '') => process.stdout.write(line + '\n')
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  return samples
}

function cached(db: TestDatabase, store: CacheStore, options: Omit<CacheOptions, 'store'> = {}) {
  return db.prisma.$extends(cacheExtension({ store, namespace: 'lim' + Math.random().toString(36).slice(2, 8), timeouts: { store: 2000 }, ...options }))
}

/** Hit p50 with and without `sign`, for a small and a 20-row result, on memory and Redis. */
async function sign(): Promise<void> {
  const db = await createTestDatabase()
  const redis = new Redis(redisUrl)
  try {
    const user = await db.prisma.user.create({ data: { email: 'sign@example.com', name: 'Signed' } })
    for (let i = 0; i < 20; i++) await db.prisma.order.create({ data: { userId: user.id, total: `${i}.50`, items: { create: [{ quantity: 1, product: { create: { sku: `S-${i}`, name: `Product ${i}`, price: '1.00', attributes: { colour: 'blue', sizes: [1, 2, 3] } } } }] } } })
    const reads = {
      'findUnique (1 row)': (p: ReturnType<typeof cached>) => p.user.findUnique({ where: { id: user.id }, cache: true }),
      'findMany (20 orders + items + products)': (p: ReturnType<typeof cached>) => p.order.findMany({ where: { userId: user.id }, include: { items: { include: { product: true } } }, cache: true }),
    }
    out('| store | read | stored bytes | hit p50 unsigned | hit p50 signed | cost of signing |')
    out('|---|---|---:|---:|---:|---:|')
    for (const kind of ['memory', 'redis'] as const) {
      for (const [name, read] of Object.entries(reads)) {
        let bytes = 0
        const clients: ReturnType<typeof cached>[] = []
        for (const signed of [false, true]) {
          const store = kind === 'memory' ? memoryStore() : redisStore({ client: redis })
          const prisma = cached(db, store, signed ? { sign: { secret: 'a 32-byte secret for the bench!!' } } : {})
          const { info } = await read(prisma).withCacheInfo()
          bytes = (await store.mget([info.key!]))[0]!.length
          await timeEach(300, () => read(prisma)) // warm up
          clients.push(prisma)
        }
        // Alternate short rounds so that load from elsewhere on the machine hits both alike.
        const samples: number[][] = [[], []]
        for (let round = 0; round < 10; round++) {
          for (const i of [0, 1]) samples[i]!.push(...(await timeEach(300, () => read(clients[i]!))))
        }
        const results = samples.map(p50)
        out(`| ${kind} | ${name} | ${bytes} | ${results[0]!.toFixed(1)} µs | ${results[1]!.toFixed(1)} µs | ${(results[1]! - results[0]!).toFixed(1)} µs (${(((results[1]! - results[0]!) / results[0]!) * 100).toFixed(0)}%) |`)
      }
    }
  } finally {
    redis.disconnect()
    await db.drop()
  }
}

/** 100 tenants, each reading its own orders (90%) or placing an order (10%): hit rate with and without scopedModels. */
async function tenants(): Promise<void> {
  const db = await createTestDatabase()
  try {
    const ids: number[] = []
    for (let i = 0; i < 100; i++) {
      const user = await db.prisma.user.create({ data: { email: `t${i}@example.com`, name: `Tenant ${i}` } })
      ids.push(user.id)
      await db.prisma.order.create({ data: { userId: user.id, total: '1.00' } })
    }
    out('| tenants | operations | writes | hit rate, no scopedModels | hit rate, scopedModels: [\'Order\'] |')
    out('|---:|---:|---:|---:|---:|')
    const rates: number[] = []
    const ops = 10_000
    for (const scopedModels of [undefined, ['Order']]) {
      let tenant = ''
      const prisma = cached(db, memoryStore(), { scope: () => tenant, ...(scopedModels && { scopedModels }) })
      let seed = 7
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
      let writes = 0
      for (let i = 0; i < ops; i++) {
        const id = ids[Math.floor(random() * ids.length)]!
        tenant = String(id)
        if (random() < 0.1) {
          writes++
          await prisma.order.create({ data: { userId: id, total: '2.00' } })
        } else {
          await prisma.order.findMany({ where: { userId: id }, orderBy: { id: 'desc' }, take: 10, cache: true })
        }
      }
      rates.push(prisma.$cache.stats().hitRate)
      if (scopedModels) out(`| ${ids.length} | ${ops} | ${writes} | ${(rates[0]! * 100).toFixed(1)}% | ${(rates[1]! * 100).toFixed(1)}% |`)
    }
  } finally {
    await db.drop()
  }
}

/** Key derivation time against argument size: should grow linearly. */
function keys(): void {
  const time = (arg: unknown) => {
    hashArgs(arg)
    const runs = 5
    const start = process.hrtime.bigint()
    for (let i = 0; i < runs; i++) hashArgs(arg)
    return Number(process.hrtime.bigint() - start) / 1e6 / runs
  }
  out('| argument | canonical size | hashArgs time | per MB of canonical form |')
  out('|---|---:|---:|---:|')
  const cases: [string, unknown][] = []
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) cases.push([`\`in\` list of ${n.toLocaleString('en')} ids`, { where: { id: { in: Array.from({ length: n }, (_, i) => i) } } }])
  for (const mb of [1, 4, 16]) cases.push([`string of ${mb} MB`, { where: { name: 'x'.repeat(mb << 20) } }])
  for (const depth of [1_000, 10_000, 100_000]) {
    let where: unknown = { id: 1 }
    for (let i = 0; i < depth; i++) where = { AND: [where] }
    cases.push([`${depth.toLocaleString('en')}-level nesting`, { where }])
  }
  for (const n of [1_000, 100_000]) cases.push([`object with ${n.toLocaleString('en')} keys`, { where: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) }])
  for (const [name, arg] of cases) {
    const size = canonicalize(arg).length
    const ms = time(arg)
    out(`| ${name} | ${(size / 1e6).toFixed(2)} MB | ${ms.toFixed(1)} ms | ${(ms / (size / 1e6)).toFixed(1)} ms |`)
  }
}

/** A 200 MB result: raw Prisma and cached (redis and memory) in child processes; peak RSS of each. */
async function result(): Promise<void> {
  const db = await createTestDatabase()
  try {
    await db.sql(`INSERT INTO "Product" (sku, name, price, attributes) SELECT 'big-' || i, 'big', 1, to_jsonb(repeat(chr(97 + i % 26), 1000000)) FROM generate_series(1, 200) i`)
    out('| variant | rows | result | status | peak RSS | RSS over raw Prisma |')
    out('|---|---:|---:|---|---:|---:|')
    let raw = 0
    for (const variant of ['raw', 'memory', 'redis']) {
      const line = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child-result', variant, db.url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 }).trim().split('\n').pop()!
      const r = JSON.parse(line) as { rows: number; mb: number; status: string; rssMb: number }
      if (variant === 'raw') raw = r.rssMb
      out(`| ${variant === 'raw' ? 'raw Prisma' : `cached, ${variant}Store`} | ${r.rows} | ${r.mb.toFixed(0)} MB | ${r.status} | ${r.rssMb.toFixed(0)} MB | ${variant === 'raw' ? '—' : `${(r.rssMb - raw).toFixed(0)} MB`} |`)
    }
  } finally {
    await db.drop()
  }
}

async function childResult(variant: string, url: string): Promise<void> {
  const { PrismaClient } = await import('../test/generated/prisma/client.js')
  const { PrismaPg } = await import('@prisma/adapter-pg')
  const base = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) })
  const redis = variant === 'redis' ? new Redis(redisUrl) : undefined
  let skips = 0
  const prisma = variant === 'raw' ? base : base.$extends(cacheExtension({ store: redis ? redisStore({ client: redis }) : memoryStore(), namespace: 'lim-big', timeouts: { store: 5000 } }))
  if ('$cache' in prisma) (prisma as { $cache: { on(e: string, f: () => void): void } }).$cache.on('skip', () => skips++)
  const args = { where: { sku: { startsWith: 'big-' } }, select: { id: true, attributes: true } }
  const rows = variant === 'raw' ? await base.product.findMany(args) : await (prisma as typeof base).product.findMany({ ...args, cache: true } as typeof args)
  const mb = rows.reduce((sum, row) => sum + JSON.stringify(row.attributes).length, 0) / 2 ** 20
  const rssMb = process.resourceUsage().maxRSS / 1024
  process.stdout.write(JSON.stringify({ rows: rows.length, mb, status: variant === 'raw' ? 'database' : skips === 1 ? 'returned, not cached (skip)' : `skips: ${skips}`, rssMb }) + '\n')
  await base.$disconnect()
  redis?.disconnect()
}

/** N entries through the key/value API in a Redis of its own: memory per entry, and every key has a TTL. */
async function entries(): Promise<void> {
  const n = Number(process.env.PQC_LIMIT_ENTRIES ?? 1_000_000)
  const server = await startRedisServer()
  const db = await createTestDatabase()
  try {
    const client = await server.connect({ maxRetriesPerRequest: 5, enableOfflineQueue: true })
    const used = async () => Number(/used_memory:(\d+)/.exec(await server.cli('info', 'memory'))![1])
    const before = await used()
    const prisma = cached(db, redisStore({ client }), { namespace: 'lim', ttl: 3600 })
    const row = (i: number) => ({ id: i, email: `user${i}@example.com`, name: `User ${i}`, role: 'CUSTOMER', createdAt: new Date(1_700_000_000_000 + i), referrerId: null })
    const started = Date.now()
    for (let start = 0; start < n; start += 5000) {
      await Promise.all(Array.from({ length: Math.min(5000, n - start) }, (_, j) => prisma.$cache.set(`user:${start + j}`, row(start + j), { tags: [`user-${(start + j) % 1000}`] })))
      if (start % 100_000 === 0) log(`entries: ${start}/${n}`)
    }
    const seconds = (Date.now() - started) / 1000
    const after = await used()
    const keys = Number(await server.cli('dbsize'))
    let withoutTtl = 0
    let cursor = '0'
    do {
      const [next, batch] = await client.scan(cursor, 'COUNT', 10_000)
      cursor = next
      const pipeline = client.pipeline()
      for (const key of batch) pipeline.pttl(key)
      for (const [, ttl] of (await pipeline.exec()) ?? []) if (Number(ttl) < 0) withoutTtl++
    } while (cursor !== '0')
    const entryBytes = (await client.strlen('lim:u:user:1'))
    out('| entries | keys in Redis | keys without TTL | used_memory | per entry | stored value | written in |')
    out('|---:|---:|---:|---:|---:|---:|---:|')
    out(`| ${n.toLocaleString('en')} | ${keys.toLocaleString('en')} | ${withoutTtl} | ${((after - before) / 2 ** 20).toFixed(0)} MB | ${((after - before) / n).toFixed(0)} B | ${entryBytes} B | ${seconds.toFixed(0)} s |`)
  } finally {
    await server.stop()
    await db.drop()
  }
}

const SECTIONS: Record<string, () => unknown> = { sign, tenants, keys, result, entries }

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  if (args[0] === '--child-result') return childResult(args[1]!, args[2]!)
  const chosen = args.length > 0 ? args : Object.keys(SECTIONS)
  for (const name of chosen) {
    const section = SECTIONS[name]
    if (!section) throw new Error(`unknown section ${name} (one of ${Object.keys(SECTIONS).join(', ')})`)
    log(`${name}...`)
    out(`\n### ${name}\n`)
    await section()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
