/**
 * `npm run bench`: prisma-query-cache side by side with raw Prisma, two floors and the other
 * Prisma caching extensions, in one run. Prints the Markdown report and writes
 * latest.json, latest.md and hit-latency.svg to bench/results (or BENCH_RESULTS_DIR).
 * BENCH_QUICK=1 makes a ~30 s smoke run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { config } from './helpers/config.js'
import { contestants as allContestants, type Contestant, type Instance, type InstanceEnv } from './helpers/contestants.js'
import { countedClient, createBenchDatabase } from './helpers/database.js'
import { markdownReport, precisionLine, telemetryLine } from './helpers/format.js'
import { firstLine } from './helpers/measure.js'
import { ensurePeersInstalled } from './helpers/peers.js'
import type { ContestantInfo, RunResults, WorkloadResult } from './helpers/results.js'
import { hitLatencySvg } from './helpers/svg.js'
import { checkTargets } from './helpers/targets.js'
import { runWorkload, type Dataset, type Workload } from './helpers/workload.js'
import { aggregateHit } from './scenarios/aggregate-hit.js'
import { findManyIncludeHit } from './scenarios/find-many-include-hit.js'
import { findManyLargeHit } from './scenarios/find-many-large-hit.js'
import { findUniqueHit, findUniqueHitConcurrent } from './scenarios/find-unique-hit.js'
import { memoryPerEntry, type MemoryResult } from './scenarios/memory.js'
import { runMicro } from './scenarios/micro.js'
import { startupCost } from './scenarios/startup.js'
import { findManyIncludeMiss, findUniqueMiss } from './scenarios/miss.js'
import { precisionHitRates } from './scenarios/precision.js'
import { telemetryOverhead } from './scenarios/telemetry.js'
import { redisDown, runProbes, type ProbeResults } from './scenarios/probes.js'
import { writeThenRead } from './scenarios/write-then-read.js'

const ALL_WORKLOADS: Workload[] = [findUniqueHit, findUniqueHitConcurrent, findManyIncludeHit, aggregateHit, findManyLargeHit, findUniqueMiss, findManyIncludeMiss, writeThenRead]

/** Comma-separated ids from the environment (a focused run while working on one path), or undefined. */
const only = (name: string) => process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean)
const ONLY_WORKLOADS = only('BENCH_ONLY')
const ONLY_CONTESTANTS = only('BENCH_CONTESTANTS')
const WORKLOADS = ONLY_WORKLOADS ? ALL_WORKLOADS.filter((w) => ONLY_WORKLOADS.includes(w.id)) : ALL_WORKLOADS

/** Contestants on Redis that also answer from process memory (an L1), so their heap per entry counts. */
const IN_PROCESS_WITH_REDIS = new Set(['pqc-tiered', 'prisma-smart-cache'])

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)
const unhandled: string[] = []
process.on('unhandledRejection', (reason) => {
  const text = firstLine(String((reason as Error)?.message ?? reason))
  if (!unhandled.includes(text)) unhandled.push(text)
})

async function flushRedis(): Promise<void> {
  const redis = new Redis(config.redisUrl, { db: config.redisDb })
  try {
    await redis.flushdb()
  } finally {
    redis.disconnect()
  }
}

function info(c: Contestant): ContestantInfo {
  const { create: _create, ...rest } = c
  return rest
}

async function createInstances(list: Contestant[], env: InstanceEnv): Promise<Map<string, Instance>> {
  const instances = new Map<string, Instance>()
  for (const c of list) {
    if (c.unavailable) continue
    try {
      instances.set(c.id, await c.create(env))
    } catch (error) {
      c.unavailable = firstLine(String((error as Error).message ?? error))
    }
  }
  return instances
}

async function main(): Promise<void> {
  const started = performance.now()
  const installProblem = ensurePeersInstalled()
  if (installProblem) log(installProblem)
  const list = (await allContestants()).filter((c) => !ONLY_CONTESTANTS || ONLY_CONTESTANTS.includes(c.id))
  log(`contestants: ${list.map((c) => c.id + (c.unavailable ? ' (n/a)' : '')).join(', ')}`)
  log(`creating database ${config.databaseName}`)
  const databaseUrl = await createBenchDatabase()
  await flushRedis()
  const env: InstanceEnv = { databaseUrl, redisUrl: config.redisUrl, redisDb: config.redisDb }
  const data: Dataset = { ...config.seed, runToken: randomBytes(3).toString('hex') }
  const base = countedClient(databaseUrl).prisma
  await base.$connect()

  const instances = await createInstances(list, env)
  const workloads: WorkloadResult[] = []
  for (const workload of WORKLOADS) {
    log(`workload ${workload.id}`)
    const measured = await runWorkload(workload, instances, data)
    workloads.push({ id: workload.id, title: workload.title, group: workload.group, ops: workload.ops ?? 1, results: Object.fromEntries(measured) })
  }
  const cacheErrors: Record<string, { count: number; first?: string }> = {}
  for (const [id, instance] of instances) {
    cacheErrors[id] = { count: instance.errors.length, ...(instance.errors[0] !== undefined && { first: instance.errors[0] }) }
    if (instance.errors.length > 0) log(`${id}: ${instance.errors.length} cache-side error(s) during the workloads, first: ${instance.errors[0]}`)
  }
  for (const instance of instances.values()) await instance.close()
  if (ONLY_WORKLOADS || ONLY_CONTESTANTS) return focusedReport(workloads, list.map((c) => c.id))

  log('telemetry overhead on a hit (@opentelemetry/api installed, no SDK)')
  const telemetry = await telemetryOverhead(env, data).catch((error: unknown) => ({ error: firstLine(String((error as Error)?.message ?? error)) }))
  log(telemetryLine({ telemetry }))

  log('micro-benchmarks')
  const micro = await runMicro(base)

  log('start-up cost (fresh processes)')
  const startup = await startupCost(databaseUrl).catch((error: unknown) => ({ error: firstLine(String((error as Error)?.message ?? error)) }))

  log('memory per entry')
  const memory: Record<string, MemoryResult> = {}
  for (const c of list.filter((c) => !c.unavailable && (!c.usesRedis || IN_PROCESS_WITH_REDIS.has(c.id)))) {
    memory[c.id] = await memoryPerEntry(c, env, data.orders)
  }

  log('correctness probes')
  const probes: Record<string, ProbeResults> = {}
  const available = list.filter((c) => !c.unavailable)
  for (const [i, c] of available.entries()) {
    log(`  probing ${c.label}`)
    probes[c.id] = await runProbes(c, env, base, i, data.runToken)
  }
  log('Redis-down probes')
  const down = await Promise.all(available.map((c) => redisDown(c, env)))
  available.forEach((c, i) => (probes[c.id]!.redisDown = down[i]!))

  log('invalidation precision (model-based checker, read-heavy mix)')
  const precision = await precisionHitRates({ ops: config.quick ? 600 : 4000, redis: { url: config.redisUrl, db: config.redisDb } })
    .catch((error: unknown) => ({ error: firstLine(String((error as Error)?.message ?? error)) }))
  log(precisionLine({ precision }))

  await base.$disconnect()
  await flushRedis()

  const partial: Omit<RunResults, 'targets'> = {
    meta: {
      date: new Date().toISOString(),
      node: process.versions.node,
      cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
      quick: config.quick,
      rounds: config.rounds,
      roundMs: config.roundMs,
      seed: config.seed,
      durationSec: (performance.now() - started) / 1000,
    },
    contestants: list.map(info),
    workloads,
    probes,
    memory,
    micro,
    startup,
    precision,
    telemetry,
    cacheErrors,
    unhandledRejections: unhandled,
  }
  const results: RunResults = { ...partial, targets: checkTargets(partial) }
  const markdown = markdownReport(results)
  mkdirSync(config.resultsDir, { recursive: true })
  writeFileSync(join(config.resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(join(config.resultsDir, 'latest.md'), markdown)
  writeFileSync(join(config.resultsDir, 'hit-latency.svg'), hitLatencySvg(results))
  process.stdout.write(markdown + '\n')
  log(`done in ${results.meta.durationSec.toFixed(0)} s; results in ${config.resultsDir}`)
}

/** A focused run (BENCH_ONLY / BENCH_CONTESTANTS) prints p50s and ratios only and writes no results. */
function focusedReport(workloads: WorkloadResult[], ids: string[]): void {
  for (const w of workloads) {
    const p50 = (id: string) => { const m = w.results[id]; return m && 'stats' in m ? m.stats.p50 : undefined }
    const base = p50('floor-a') ?? p50('raw')
    process.stdout.write(`\n${w.title}\n`)
    for (const id of ids) {
      const m = w.results[id]
      if (!m) continue
      if (!('stats' in m)) { process.stdout.write(`  ${id.padEnd(22)} ${m.error}\n`); continue }
      const ratio = base ? ` ${(m.stats.p50 / base).toFixed(2)}× floor A` : ''
      process.stdout.write(`  ${id.padEnd(22)} p50 ${(m.stats.p50 * 1000).toFixed(1).padStart(8)} µs  ${Math.round(m.stats.opsPerSec).toString().padStart(7)}/s${ratio}\n`)
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
