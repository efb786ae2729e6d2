/**
 * CPU per miss (`npx tsx bench/miss-cpu.ts [memory|redis|tiered ...]`): process CPU time and wall
 * time per findUnique miss for raw Prisma, floor A and this library's stores, interleaved in rounds.
 * CPU time per call is far less noisy than latency, so it shows what a change to the miss path costs
 * on the caller's side (the database's own CPU is another process and not counted).
 * `MISS_CPU_BYPASS=1` adds each store with `cache: false` (the cost of the typed methods alone);
 * `MISS_CPU_CALLS` sets the calls per block (default 300), `MISS_CPU_ROUNDS` the rounds (24).
 */
import { Redis } from 'ioredis'
import { cacheExtension, memoryStore, redisStore, tieredStore } from '../src/index.js'
import { config } from './helpers/config.js'
import { countedClient, createBenchDatabase } from './helpers/database.js'

type Read = (n: number) => Promise<unknown>
const token = Date.now().toString(36)
const args = (n: number) => ({ where: { id: 1 + (n % 1000), name: { not: `m-${token}-${n}` } } })

async function main(): Promise<void> {
  const url = await createBenchDatabase()
  const redis = new Redis(config.redisUrl, { db: config.redisDb })
  const bus = new Redis(config.redisUrl, { db: config.redisDb })
  await redis.flushdb()
  const client = () => countedClient(url).prisma
  const raw = client()
  const floorMap = new Map<string, unknown>()
  const floorA = client().$extends({
    query: { $allModels: { async $allOperations({ model, operation, args, query }) {
      const key = JSON.stringify([model, operation, args])
      const hit = floorMap.get(key)
      if (hit !== undefined) return hit
      const value = await query(args)
      floorMap.set(key, value)
      return value
    } } },
  })
  const stores = { memory: () => memoryStore(), redis: () => redisStore({ client: redis }), tiered: () => tieredStore({ l2: redisStore({ client: redis }), bus }) }
  const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : ['memory', 'redis', 'tiered']) as (keyof typeof stores)[]
  const contestants: [string, Read][] = [
    ['raw', (n) => raw.user.findUnique(args(n))],
    ['floor A', (n) => floorA.user.findUnique(args(n))],
  ]
  for (const name of wanted) {
    const cached = client().$extends(cacheExtension({ store: stores[name](), ttl: 3600, namespace: `pqc-cpu-${name}-${token}` }))
    contestants.push([name, (n) => cached.user.findUnique({ ...args(n), cache: true })])
    if (process.env.MISS_CPU_BYPASS === '1') contestants.push([`${name} bypass`, (n) => cached.user.findUnique({ ...args(n), cache: false })])
  }
  // Short blocks, many rounds, medians: a block's CPU includes the GC debt of the one before it,
  // and the machine's noise comes in bursts; the median of many short blocks sees through both.
  const blocks = new Map<string, { cpu: number[]; wall: number[] }>()
  let seq = 0
  const perBlock = Number(process.env.MISS_CPU_CALLS ?? 300)
  const rounds = Number(process.env.MISS_CPU_ROUNDS ?? 24)
  for (let i = 0; i < 200; i++) for (const [, read] of contestants) await read(seq++) // warm every path
  for (let round = 0; round < rounds; round++) {
    for (const [name, read] of round % 2 ? [...contestants].reverse() : contestants) {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      for (let i = 0; i < perBlock; i++) await read(seq++)
      const wall = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      const b = blocks.get(name) ?? { cpu: [], wall: [] }
      b.cpu.push((cpu.user + cpu.system) / perBlock)
      b.wall.push((1000 * wall) / perBlock)
      blocks.set(name, b)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const base = blocks.get('floor A')!
  for (const [name, b] of blocks) {
    const cpu = median(b.cpu)
    const wall = median(b.wall)
    console.log(`${name.padEnd(16)} cpu ${cpu.toFixed(0).padStart(4)} µs/call  wall ${wall.toFixed(0).padStart(4)} µs/call  (${(cpu / median(base.cpu)).toFixed(2)}× / ${(wall / median(base.wall)).toFixed(2)}× floor A, medians of ${b.cpu.length} blocks)`)
  }
  redis.disconnect()
  bus.disconnect()
  process.exit(0)
}

await main()
