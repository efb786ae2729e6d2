/**
 * Where a miss's wall time goes (`npx tsx bench/miss-phases.ts [floor-a|memory|floor-b|redis ...]`):
 * sequential findUnique misses (every key new), each timed at the points it crosses — every Redis
 * command sent and answered, the SQL statement started and answered at the driver adapter — and
 * the median of each step between two of those points printed per contestant. Floors A and B are
 * the bench's (a `Map` hook; a `GET` hook that queries and `SET`s on a miss).
 *
 * A step's name says which events bound it, numbered in the order they came; a step that
 * crosses from one call into the next (a background write answered during the next read) shows
 * up as its own line. `MISS_PHASES_CALLS` sets the measured calls (default 2,000).
 * Like the bench it measures the built package: `npm run build` first, or `BENCH_SOURCE=src`.
 */
import { Redis } from 'ioredis'
import { config } from './helpers/config.js'
import { createBenchDatabase } from './helpers/database.js'
import { floorAExtension, floorBExtension } from './helpers/floors.js'
import { library } from './helpers/library.js'
import { PrismaClient } from '../test/generated/prisma/client.js'
import { countingAdapterFactory } from '../test/helpers/counting-adapter.js'

type Read = (n: number) => Promise<unknown>

const token = Date.now().toString(36)
const args = (n: number) => ({ where: { id: 1 + (n % 1000), name: { not: `p-${token}-${n}` } } })

let marks: [event: string, at: number][] = []
const mark = (event: string) => void marks.push([event, performance.now()])

/** An ioredis client whose commands mark when they are sent and when their reply is in. */
function markedRedis(): Redis {
  const redis = new Redis(config.redisUrl, { db: config.redisDb })
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) => {
    mark(`send ${command.name}`)
    command.promise.then(() => mark(`reply ${command.name}`), () => undefined)
    return send(command, stream)
  }) as Redis['sendCommand']
  return redis
}

async function main(): Promise<void> {
  const url = await createBenchDatabase()
  const prisma = new PrismaClient({
    adapter: countingAdapterFactory(url, async (_query, execute) => {
      mark('sql start')
      try {
        return await execute()
      } finally {
        mark('sql end')
      }
    }, { max: 10 }),
  })
  const redis = markedRedis()
  const floorBRedis = markedRedis()
  const floorA = prisma.$extends(floorAExtension())
  const floorB = prisma.$extends(floorBExtension(floorBRedis, `floorb:${token}:`, 3600))
  const { cacheExtension, memoryStore, redisStore } = library
  const memory = prisma.$extends(cacheExtension({ store: memoryStore(), ttl: 3600, namespace: `pqc-phases-m-${token}` }))
  const onRedis = prisma.$extends(cacheExtension({ store: redisStore({ client: redis }), ttl: 3600, namespace: `pqc-phases-r-${token}` }))
  const contestants: Record<string, Read> = {
    'floor-a': (n) => floorA.user.findUnique(args(n)),
    memory: (n) => memory.user.findUnique({ ...args(n), cache: true }),
    'floor-b': (n) => floorB.user.findUnique(args(n)),
    redis: (n) => onRedis.user.findUnique({ ...args(n), cache: true }),
  }
  const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(contestants)
  const calls = Number(process.env.MISS_PHASES_CALLS ?? 2000)
  let seq = 0
  for (const name of wanted) {
    const read = contestants[name]
    if (!read) throw new Error(`unknown contestant ${name}: one of ${Object.keys(contestants).join(', ')}`)
    for (let i = 0; i < 300; i++) await read(seq++) // warm
    const steps = new Map<string, number[]>()
    const totals: number[] = []
    for (let i = 0; i < calls; i++) {
      marks = []
      mark('call')
      await read(seq++)
      mark('return')
      totals.push(1000 * (marks[marks.length - 1]![1] - marks[0]![1]))
      for (let j = 1; j < marks.length; j++) {
        const step = `${String(j).padStart(2)} ${marks[j - 1]![0]} → ${marks[j]![0]}`
        const list = steps.get(step) ?? []
        list.push(1000 * (marks[j]![1] - marks[j - 1]![1]))
        steps.set(step, list)
      }
    }
    console.log(`\n${name}: ${median(totals).toFixed(0)} µs per miss (median of ${calls})`)
    for (const [step, list] of [...steps].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  ${step.padEnd(44)} ${median(list).toFixed(0).padStart(5)} µs${list.length < calls ? `  (${list.length} of ${calls} calls)` : ''}`)
    }
  }
  redis.disconnect()
  floorBRedis.disconnect()
  await prisma.$disconnect()
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}

await main()
