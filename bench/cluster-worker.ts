/**
 * One app process of `npm run bench:cluster`: its own PrismaClient and ioredis Cluster; after a
 * warm pass, IN_FLIGHT (10) reads in flight for LOAD_MS over 200 users (findUnique) and ten
 * findMany + include pages, one write in 20 (a user rename, which invalidates). Prints one JSON
 * line: reads, hits, p99, errors.
 */
import { randomBytes } from 'node:crypto'
import { Cluster } from 'ioredis'
import { countedClient } from './helpers/database.js'
import { includeArgs } from './scenarios/find-many-include-hit.js'
import { cacheExtension, redisStore } from '../src/index.js'

const env = (name: string) => process.env[name] ?? ''
/** Buckets of the cluster key layout (BENCH_BUCKETS; 1 = the unbucketed layout, for comparison). */
const BUCKETS = Number(process.env.BENCH_BUCKETS ?? 16)
const seeds = env('REDIS_CLUSTER_NODES').split(',').map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }))
const cluster = new Cluster(seeds, { enableAutoPipelining: process.env.BENCH_AUTOPIPELINE !== '0' })
await new Promise((resolve) => cluster.once('ready', resolve))
const base = countedClient(env('DATABASE_URL')).prisma
const prisma = base.$extends(cacheExtension({ store: redisStore({ client: cluster, buckets: BUCKETS }), namespace: env('NAMESPACE'), timeouts: { store: 2000 } }))
let errors = 0
let crossSlot = 0
prisma.$cache.on('error', (e) => {
  if (errors++ < 3) process.stderr.write(`[bench:cluster worker] ${e.operation ?? ''}: ${e.error?.message ?? ''}\n`)
  if (String(e.error?.message).includes('CROSSSLOT')) crossSlot++
})
const users = Math.min(Number(env('USERS')), 200)
const IN_FLIGHT = Number(env('IN_FLIGHT') || 10)
// Warm pass (not timed): the working set is cached once, as in an app that has been running.
for (let id = 1; id <= users; id++) await prisma.user.findUnique({ where: { id }, cache: true })
for (let page = 0; page < 10; page++) await prisma.order.findMany({ ...(includeArgs(page) as object), cache: true })
const before = prisma.$cache.stats()
const latencies: number[] = []
const end = performance.now() + Number(env('LOAD_MS'))
const tag = randomBytes(3).toString('hex')
const started = performance.now()
await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, loop) => {
  for (let i = loop; performance.now() < end; i += IN_FLIGHT) {
    const id = 1 + ((i * 7919) % users)
    if (i % 20 === 0) {
      await prisma.user.update({ where: { id }, data: { name: `User ${id} ${tag}` } })
      continue
    }
    const t = performance.now()
    if (i % 5 === 1) await prisma.order.findMany({ ...(includeArgs(i % 10) as object), cache: true })
    else await prisma.user.findUnique({ where: { id }, cache: true })
    latencies.push(performance.now() - t)
  }
}))
const seconds = (performance.now() - started) / 1000
const after = prisma.$cache.stats()
const stats = { hits: after.hits - before.hits, misses: after.misses - before.misses, stale: after.stale - before.stale }
latencies.sort((a, b) => a - b)
const reads = stats.hits + stats.misses + stats.stale
process.stdout.write(JSON.stringify({
  reads, hits: stats.hits, readsPerSecond: latencies.length / seconds, hitRate: reads ? stats.hits / reads : 0,
  p99: latencies[Math.ceil(0.99 * latencies.length) - 1] ?? NaN, errors, crossSlot,
}) + '\n')
cluster.disconnect()
await base.$disconnect()
process.exit(0)
