/**
 * What a Redis miss's first round trip costs by itself (`npx tsx bench/redis-lookup.ts`): the
 * store's `lookupAndLock` (one Lua script: the entry, two versions created if absent, the stampede
 * lock) against a bare `GET` (floor B's lookup) and against the same four commands sent as a plain
 * pipeline instead of a script. Sequential calls, every key new, the three interleaved in rounds;
 * prints the median round trip and this process's CPU per call, then Redis's own time per command
 * from `INFO commandstats`. No database, no Prisma: the figures are the store's alone, and show
 * whether a miss's extra time comes from the script or from around it. Like the bench it measures
 * the built package: `npm run build` first, or `BENCH_SOURCE=src`.
 */
import { Redis } from 'ioredis'
import { config } from './helpers/config.js'
import { library } from './helpers/library.js'

const CALLS = Number(process.env.REDIS_LOOKUP_CALLS ?? 2000)
const ROUNDS = 8
const DAY_MS = 86_400_000
const LOCK_MS = 5_000

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}

async function main(): Promise<void> {
  const redis = new Redis(config.redisUrl, { db: config.redisDb })
  await redis.flushdb()
  await redis.config('RESETSTAT')
  const store = library.redisStore({ client: redis, channel: false })
  const token = Date.now().toString(36)
  let n = 0
  // Two version keys as a findUnique by id has (its row and its model); the row's is new each time.
  const keys = () => {
    const i = n++
    return { entry: `rl:${token}:e:${i}`, versions: [`rl:${token}:v:User`, `rl:${token}:v:User:${i % 1000}`], lock: `rl:${token}:l:${i}` }
  }
  const cases: Record<string, () => Promise<unknown>> = {
    'GET (floor B)': () => redis.getBuffer(keys().entry),
    'lookupAndLock script': () => {
      const k = keys()
      return store.lookupAndLock(k.entry, k.versions, ['a', 'b'], DAY_MS, { key: k.lock, token: 't', ttlMs: LOCK_MS })
    },
    'same as a pipeline': () => {
      const k = keys()
      return redis.pipeline().getBuffer(k.entry).set(k.versions[0]!, 'a', 'PX', DAY_MS, 'NX', 'GET').set(k.versions[1]!, 'b', 'PX', DAY_MS, 'NX', 'GET').set(k.lock, 't', 'PX', LOCK_MS, 'NX').exec()
    },
  }
  for (const run of Object.values(cases)) for (let i = 0; i < 200; i++) await run() // warm
  const wall = new Map<string, number[]>()
  const cpu = new Map<string, number[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < CALLS; i++) await run()
      const used = process.cpuUsage(cpu0)
      wall.set(name, [...(wall.get(name) ?? []), (1000 * (performance.now() - t0)) / CALLS])
      cpu.set(name, [...(cpu.get(name) ?? []), (used.user + used.system) / CALLS])
    }
  }
  for (const name of Object.keys(cases)) {
    console.log(`${name.padEnd(22)} round trip ${median(wall.get(name)!).toFixed(0).padStart(4)} µs   this process's CPU ${median(cpu.get(name)!).toFixed(0).padStart(4)} µs/call  (medians of ${ROUNDS} rounds × ${CALLS})`)
  }
  const stats = await redis.info('commandstats')
  for (const line of stats.split('\n')) {
    const match = /^cmdstat_(get|set|evalsha):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(line)
    if (match) console.log(`redis-server: ${match[1]!.padEnd(8)} ${match[3]} µs per call (${match[2]} calls)`)
  }
  await redis.flushdb()
  redis.disconnect()
}

await main()
