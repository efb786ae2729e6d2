/**
 * CPU per miss (`npx tsx bench/miss-cpu.ts [memory|redis|tiered ...]`): process CPU time and wall
 * time per findUnique miss for raw Prisma, floors A and B and this library's stores, interleaved in rounds.
 * CPU time per call is far less noisy than latency, so it shows what a change to the miss path costs
 * on the caller's side (the database's own CPU is another process and not counted).
 * `MISS_CPU_BYPASS=1` adds each store with `cache: false` (the cost of the typed methods alone);
 * `MISS_CPU_MAX` bounds the memory store's entries. CPU above wall time is other threads' (GC).
 * `MISS_CPU_CALLS` sets the calls per block (default 300), `MISS_CPU_ROUNDS` the rounds (24).
 * `MISS_CPU_BASELINE=<dir>` also races each store from another build of the package (`<dir>/dist/esm`,
 * e.g. a `git worktree` of the previous commit, built), interleaved with this one: separate runs of
 * this machine differ by more than most changes do.
 * `MISS_CPU_PROFILE=<contestant>[,<contestant>…]` profiles those contestants afterwards (see {@link profile});
 * `MISS_CPU_SAVE=<file>` also writes the profile (.cpuprofile, for Chrome DevTools; with several
 * contestants profiled, one file each, the contestant's name appended).
 * `MISS_CPU_ALLOC=<contestant>[,<contestant>…]` samples what those contestants allocate, garbage included (see {@link allocations}).
 * Like the bench it measures the built package: `npm run build` first, or `BENCH_SOURCE=src`.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { config } from './helpers/config.js'
import { library } from './helpers/library.js'
import { sampleTime, selfTime, type CallFrame } from './helpers/cpu-profile.js'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../test/generated/prisma/client.js'
import { wrapAdapterFactory } from '../test/helpers/counting-adapter.js'
import { countedClient, createBenchDatabase } from './helpers/database.js'
import { floorAExtension, floorBExtension } from './helpers/floors.js'
import { includeArgs as baseIncludeArgs } from './scenarios/find-many-include-hit.js'

const { cacheExtension, memoryStore, redisStore, tieredStore } = library

type Read = (n: number) => Promise<unknown>
const token = Date.now().toString(36)
const args = (n: number) => ({ where: { id: 1 + (n % 1000), name: { not: `m-${token}-${n}` } } })
/** `MISS_CPU_SHAPE=include`: findMany + include (20 orders with their items) instead of findUnique. */
const include = process.env.MISS_CPU_SHAPE === 'include'
const includeArgs = (n: number) => baseIncludeArgs(n % 10, { id: { not: -1 - n } }) as never

/**
 * `MISS_CPU_INSTANT_DB=1`: the driver adapter answers a statement it has seen with the same first
 * parameter (the row id) from memory, so a "miss" costs no database round trip and the figures are
 * the CPU of Prisma and of the cache alone — steady enough to compare small changes.
 */
const instantDb = process.env.MISS_CPU_INSTANT_DB === '1'

function instantClient(url: string): PrismaClient {
  const answers = new Map<string, Promise<unknown>>()
  const factory = wrapAdapterFactory(new PrismaPg({ connectionString: url, max: 4 }), (query, execute) => {
    const key = query.sql + '\u0000' + (include ? '' : String(query.args[0]))
    let answer = answers.get(key)
    if (!answer) answers.set(key, (answer = execute()))
    return answer as never
  })
  return new PrismaClient({ adapter: factory })
}

async function main(): Promise<void> {
  const url = await createBenchDatabase()
  const redis = new Redis(config.redisUrl, { db: config.redisDb })
  const bus = new Redis(config.redisUrl, { db: config.redisDb })
  await redis.flushdb()
  const client = () => (instantDb ? instantClient(url) : countedClient(url).prisma)
  const raw = client()
  const floorA = client().$extends(floorAExtension())
  const floorBRedis = new Redis(config.redisUrl, { db: config.redisDb })
  const floorB = client().$extends(floorBExtension(floorBRedis, `floorb:${token}:`, 3600))
  const stores = { memory: () => memoryStore(process.env.MISS_CPU_MAX ? { maxEntries: Number(process.env.MISS_CPU_MAX) } : {}), redis: () => redisStore({ client: redis }), tiered: () => tieredStore({ l2: redisStore({ client: redis }), bus }) }
  const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : ['memory', 'redis', 'tiered']) as (keyof typeof stores)[]
  const contestants: [string, Read][] = [
    ['raw', (n) => (include ? raw.order.findMany(includeArgs(n)) : raw.user.findUnique(args(n)))],
    ['floor A', (n) => (include ? floorA.order.findMany(includeArgs(n)) : floorA.user.findUnique(args(n)))],
    ['floor B', (n) => (include ? floorB.order.findMany(includeArgs(n)) : floorB.user.findUnique(args(n)))],
  ]
  const builds: [suffix: string, extension: typeof cacheExtension][] = [['', cacheExtension]]
  if (process.env.MISS_CPU_BASELINE) {
    const baseline = (await import(pathToFileURL(resolve(process.env.MISS_CPU_BASELINE, 'dist/esm/index.js')).href)) as typeof library
    builds.push([' (baseline)', baseline.cacheExtension])
  }
  for (const name of wanted) {
    for (const [suffix, extension] of builds) {
      const cached = client().$extends(extension({ store: stores[name](), ttl: 3600, namespace: `pqc-cpu-${name}${suffix ? '-base' : ''}-${token}` }))
      contestants.push([name + suffix, (n) => (include ? cached.order.findMany({ ...(includeArgs(n) as object), cache: true }) : cached.user.findUnique({ ...args(n), cache: true }))])
      if (process.env.MISS_CPU_BYPASS === '1') contestants.push([`${name}${suffix} bypass`, (n) => cached.user.findUnique({ ...args(n), cache: false })])
    }
  }
  // Short blocks, many rounds, medians: a block's CPU includes the GC debt of the one before it,
  // and the machine's noise comes in bursts; the median of many short blocks sees through both.
  const blocks = new Map<string, { cpu: number[]; sys: number[]; wall: number[] }>()
  const gcTime = new Map<string, number>()
  const gcCalls = new Map<string, number>()
  let current = ''
  const { PerformanceObserver } = await import('node:perf_hooks')
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcTime.set(current, (gcTime.get(current) ?? 0) + e.duration)
  }).observe({ entryTypes: ['gc'] })
  let seq = 0
  const perBlock = Number(process.env.MISS_CPU_CALLS ?? 300)
  const rounds = Number(process.env.MISS_CPU_ROUNDS ?? 24)
  for (let i = 0; i < 200; i++) for (const [, read] of contestants) await read(seq++) // warm every path
  for (let round = 0; round < rounds; round++) {
    for (const [name, read] of round % 2 ? [...contestants].reverse() : contestants) {
      current = name
      gcCalls.set(name, (gcCalls.get(name) ?? 0) + perBlock)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < perBlock; i++) await read(seq++)
      const wall = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      const b = blocks.get(name) ?? { cpu: [], sys: [], wall: [] }
      b.cpu.push((cpu.user + cpu.system) / perBlock)
      b.sys.push(cpu.system / perBlock)
      b.wall.push((1000 * wall) / perBlock)
      blocks.set(name, b)
    }
  }
  for (const [name, ms] of gcTime) if (gcCalls.has(name)) console.log(`${name.padEnd(16)} gc  ${((1000 * ms) / gcCalls.get(name)!).toFixed(1)} µs/call of main-thread GC pauses`)
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const base = blocks.get('floor A')!
  for (const [name, b] of blocks) {
    const cpu = median(b.cpu)
    const wall = median(b.wall)
    console.log(`${name.padEnd(16)} cpu ${cpu.toFixed(0).padStart(4)} µs/call (system ${median(b.sys).toFixed(0).padStart(3)})  wall ${wall.toFixed(0).padStart(4)} µs/call  (${(cpu / median(base.cpu)).toFixed(2)}× / ${(wall / median(base.wall)).toFixed(2)}× floor A, medians of ${b.cpu.length} blocks)`)
  }
  for (const wantedName of (process.env.MISS_CPU_PROFILE ?? '').split(',')) {
    const profiled = contestants.find(([name]) => name === wantedName.trim())
    if (profiled) await profile(profiled[0], () => profiled[1](seq++))
  }
  for (const wantedName of (process.env.MISS_CPU_ALLOC ?? '').split(',')) {
    const sampled = contestants.find(([name]) => name === wantedName.trim())
    if (sampled) await allocations(sampled[0], () => sampled[1](seq++))
  }
  redis.disconnect()
  bus.disconnect()
  floorBRedis.disconnect()
  process.exit(0)
}

/**
 * `MISS_CPU_PROFILE=<contestant>`: 3,000 more calls of that contestant under the V8 profiler, then
 * its self time by source file and by function (share of non-idle CPU).
 */
async function profile(name: string, read: () => Promise<unknown>): Promise<void> {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  // 100 µs instead of V8's 1 ms: a miss is a few hundred µs, and 3,000 of them at 1 ms are too few samples.
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  for (let i = 0; i < 3000; i++) await read()
  const { profile } = await session.post('Profiler.stop')
  const save = process.env.MISS_CPU_SAVE
  if (save) writeFileSync(process.env.MISS_CPU_PROFILE?.includes(',') ? `${save}.${name.replace(/\W+/g, '-')}` : save, JSON.stringify(profile))
  const fileOf = (frame: CallFrame) => frame.url.includes('node_modules/') ? frame.url.split('node_modules/').pop()!.split('/').slice(0, 2).join('/') : frame.url.replace(/^.*\/(src|bench|dist\/esm)\//, '$1/') || frame.functionName
  const { times: byFile, total, idle } = selfTime(profile, fileOf)
  const { times: byFunction } = selfTime(profile, (frame) => `${frame.functionName || '(anonymous)'} ${fileOf(frame)}:${frame.lineNumber + 1}`)
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  // Inclusive time of this library's functions (synchronous stretches only: an await ends one).
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map<string, number>()
  profile.samples!.forEach((id, i) => {
    const dt = sampleTime(profile, i)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!
      if (!LIBRARY_FILE.test(f.url)) continue
      const k = `${f.functionName || '(anonymous)'} ${f.url.replace(LIBRARY_FILE, '$1/')}:${f.lineNumber + 1}`
      if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + dt)
      seen.add(k)
    }
  })
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 3000).toFixed(1).padStart(6)} µs/call  ${k}`).join('\n')
  // Idle time between back-to-back calls is time a call waited on something (the database, a
  // timer, the thread pool); on an instant database it should be near zero.
  console.log(`\nprofile of ${name}: ${(total / 3000).toFixed(1)} µs/call busy, ${(idle / 3000).toFixed(1)} µs/call idle`)
  console.log(`\nby file\n${top(byFile, 25)}\n\nby function\n${top(byFunction, 40)}\n\ninclusive, this library\n${top(inclusive, 40)}`)
}

interface SamplingNode {
  callFrame: CallFrame
  selfSize: number
  children: SamplingNode[]
}

/**
 * `MISS_CPU_ALLOC=<contestant>[,<contestant>…]`: 3,000 more calls under V8's sampling heap
 * profiler, garbage included (what the young-generation collector is paid to clear), then the
 * bytes allocated per call by source file and by function.
 */
async function allocations(name: string, read: () => Promise<unknown>): Promise<void> {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('HeapProfiler.enable')
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never)
  for (let i = 0; i < 3000; i++) await read()
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SamplingNode } }
  const byFile = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  const fileOf = (frame: CallFrame) => frame.url.includes('node_modules/') ? frame.url.split('node_modules/').pop()!.split('/').slice(0, 2).join('/') : frame.url.replace(/^.*\/(src|bench|dist\/esm)\//, '$1/') || frame.functionName
  const walk = (node: SamplingNode) => {
    total += node.selfSize
    const file = fileOf(node.callFrame)
    byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize)
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize)
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, bytes]) => `${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${(bytes / 3000 / 1024).toFixed(2).padStart(7)} KiB/call  ${k}`).join('\n')
  console.log(`\nallocations of ${name}: ${(total / 3000 / 1024).toFixed(1)} KiB/call\n\nby file\n${top(byFile, 15)}\n\nby function\n${top(byFunction, 30)}`)
}

/** A file of this library, `src/` (through tsx) or `dist/esm/` (built); the prefix up to it. */
const LIBRARY_FILE = /^.*\/(src|dist\/esm)\//

await main()
