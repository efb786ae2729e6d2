/**
 * `npm run bench:cluster`: the Redis store on a Redis Cluster (3 masters, 1 replica each) against
 * one Redis, both test-owned servers started here on free ports and stopped after.
 * 1. Hits with 50 in flight (findUnique; findMany + include): p50 latency and reads/s, single vs
 *    cluster, measured in alternating rounds so machine load affects both alike; the ratio is the
 *    median of the paired rounds' p50 ratios. BENCH_BUCKETS sets the layout's buckets (1 = unbucketed).
 * 2. N app processes (BENCH_PROCESSES, default 4) sharing the cluster, each with 10 reads in
 *    flight over a warmed working set, and 1 write in 20 (invalidations shared by every
 *    process): reads/s, hit rate and p99 per process and in total.
 * Writes bench/results/cluster.md. BENCH_QUICK=1 shortens every phase.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

process.env.BENCH_DB_NAME ??= 'pqc_bench_cluster'
const { Cluster, Redis } = await import('ioredis')
const { config } = await import('./helpers/config.js')
const { countedClient, createBenchDatabase, dropBenchDatabase } = await import('./helpers/database.js')
const { includeArgs } = await import('./scenarios/find-many-include-hit.js')
const { startRedisCluster } = await import('../test/helpers/redis-cluster.js')
const { startRedisServer } = await import('../test/helpers/redis-server.js')
const { cacheExtension, redisStore } = await import('../src/index.js')

const IN_FLIGHT = 50
/** Buckets of the cluster key layout (BENCH_BUCKETS; 1 = the unbucketed layout, for comparison). */
const BUCKETS = Number(process.env.BENCH_BUCKETS ?? 16)
const ROUNDS = config.quick ? 3 : 7
const ROUND_MS = config.quick ? 300 : 1500
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4)
const LOAD_MS = config.quick ? 2000 : 8000
const log = (message: string) => process.stderr.write(`[bench:cluster] ${message}\n`)

type Read = (i: number) => Promise<unknown>
interface Sample { latencies: number[]; reads: number; ms: number }

/** 50 loops of sequential reads for `ms`: every read's latency. */
async function inFlight(read: Read, ms: number): Promise<Sample> {
  const latencies: number[] = []
  const end = performance.now() + ms
  const started = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, loop) => {
    for (let i = loop; performance.now() < end; i += IN_FLIGHT) {
      const t = performance.now()
      await read(i)
      latencies.push(performance.now() - t)
    }
  }))
  return { latencies, reads: latencies.length, ms: performance.now() - started }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

async function main(): Promise<void> {
  log(`database ${config.databaseName}; starting one redis-server and a 3-master cluster`)
  const databaseUrl = await createBenchDatabase()
  const single = await startRedisServer()
  const bed = await startRedisCluster()
  const seeds = bed.ports.map((port) => ({ host: '127.0.0.1', port }))
  // Auto-pipelining (ioredis batches the commands of one tick per connection) on both, as the README recommends for clusters; BENCH_AUTOPIPELINE=0 turns it off.
  const enableAutoPipelining = process.env.BENCH_AUTOPIPELINE !== '0'
  const singleClient = new Redis(single.url, { enableAutoPipelining })
  const clusterClient = new Cluster(seeds, { enableAutoPipelining })
  await new Promise((resolve) => clusterClient.once('ready', resolve))
  let crossSlot = 0
  let errorsSeen = 0
  const lines: string[] = []
  try {
    const base = countedClient(databaseUrl).prisma
    const cached = (client: InstanceType<typeof Redis> | InstanceType<typeof Cluster>) => {
      const prisma = base.$extends(cacheExtension({ store: redisStore({ client, buckets: BUCKETS }), namespace: 'b_' + randomBytes(4).toString('hex'), timeouts: { store: 1000 } }))
      prisma.$cache.on('error', (e) => {
        if (String(e.error?.message).includes('CROSSSLOT')) crossSlot++
        if (errorsSeen++ < 3) log(`cache error: ${e.operation ?? ''}: ${e.error?.message ?? ''}`)
      })
      return prisma
    }
    const targets = { single: cached(singleClient), cluster: cached(clusterClient) }
    const users = Array.from({ length: IN_FLIGHT }, (_, i) => 1 + ((i * 17) % config.seed.users))
    const shapes: Record<string, (p: typeof targets.single) => Read> = {
      'findUnique': (p) => (i) => p.user.findUnique({ where: { id: users[i % users.length]! }, cache: true }),
      'findMany + include': (p) => (i) => p.order.findMany({ ...(includeArgs(i % 10) as object), cache: true }),
    }
    lines.push('| hit, 50 in flight | single Redis p50 | cluster p50 | cluster / single p50 (median of paired rounds; range) | single reads/s | cluster reads/s |', '|---|---:|---:|---:|---:|---:|')
    for (const [name, shape] of Object.entries(shapes)) {
      const reads = { single: shape(targets.single), cluster: shape(targets.cluster) }
      for (const read of Object.values(reads)) await inFlight(read, 300) // warm: every entry stored, connections open, JIT
      const samples = { single: [] as Sample[], cluster: [] as Sample[] }
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of (round % 2 ? ['cluster', 'single'] : ['single', 'cluster']) as ('single' | 'cluster')[]) samples[which].push(await inFlight(reads[which], ROUND_MS))
      }
      const p50 = (s: Sample[]) => percentile(s.flatMap((x) => x.latencies), 50)
      const rate = (s: Sample[]) => s.reduce((n, x) => n + x.reads, 0) / (s.reduce((n, x) => n + x.ms, 0) / 1000)
      // Each round pairs a single and a cluster sample taken back to back: the median of the
      // paired ratios shrugs off a round that a noisy neighbour slowed down.
      const ratios = samples.single.map((s, i) => percentile(samples.cluster[i]!.latencies, 50) / percentile(s.latencies, 50))
      const row = `| ${name} | ${p50(samples.single).toFixed(2)} ms | ${p50(samples.cluster).toFixed(2)} ms | ${percentile(ratios, 50).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${rate(samples.single).toFixed(0)} | ${rate(samples.cluster).toFixed(0)} |`
      lines.push(row)
      log(row + ` stats single ${JSON.stringify(targets.single.$cache.stats()).slice(0, 120)} cluster ${JSON.stringify(targets.cluster.$cache.stats()).slice(0, 120)}`)
    }
    await base.$disconnect()

    log(`${PROCESSES} processes on the cluster for ${LOAD_MS} ms`)
    const namespace = 'b_' + randomBytes(4).toString('hex')
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runWorker({ DATABASE_URL: databaseUrl, REDIS_CLUSTER_NODES: seeds.map((s) => `${s.host}:${s.port}`).join(','), NAMESPACE: namespace, LOAD_MS: String(LOAD_MS), USERS: String(config.seed.users) })))
    lines.push('', `| ${PROCESSES} processes sharing the cluster, 10 in flight each, 1 write in 20 | reads/s | hit rate | p99 |`, '|---|---:|---:|---:|')
    results.forEach((r, i) => lines.push(`| process ${i + 1} | ${r.readsPerSecond.toFixed(0)} | ${(r.hitRate * 100).toFixed(1)}% | ${r.p99.toFixed(2)} ms |`))
    const total = results.reduce((n, r) => n + r.readsPerSecond, 0)
    const hitRate = results.reduce((n, r) => n + r.hits, 0) / results.reduce((n, r) => n + r.reads, 0)
    lines.push(`| all | ${total.toFixed(0)} | ${(hitRate * 100).toFixed(1)}% | ${Math.max(...results.map((r) => r.p99)).toFixed(2)} ms (worst) |`)
    crossSlot += results.reduce((n, r) => n + r.crossSlot, 0)
    lines.push('', `CROSSSLOT errors: ${crossSlot}. Cache errors in the processes: ${results.reduce((n, r) => n + r.errors, 0)}.`)
  } finally {
    singleClient.disconnect()
    clusterClient.disconnect()
    await single.stop()
    await bed.stop()
    await dropBenchDatabase()
  }
  const report = `# Redis Cluster bench (${new Date().toISOString().slice(0, 10)}${config.quick ? ', quick' : ''})\n\n${lines.join('\n')}\n`
  process.stdout.write(report)
  writeFileSync(fileURLToPath(new URL(`./results/cluster${config.quick ? '-quick' : ''}.md`, import.meta.url)), report)
}

interface WorkerResult { reads: number; hits: number; readsPerSecond: number; hitRate: number; p99: number; errors: number; crossSlot: number }

function runWorker(env: Record<string, string>): Promise<WorkerResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./cluster-worker.ts', import.meta.url))], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => resolve(JSON.parse(line) as WorkerResult))
    child.once('exit', (code) => code !== 0 && reject(new Error(`cluster worker exited with ${code}`)))
  })
}

await main()
process.exit(0)
