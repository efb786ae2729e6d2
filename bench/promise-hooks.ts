/**
 * What the cache costs the application's own promises (`npx tsx bench/promise-hooks.ts`). On
 * Node 20 an active AsyncLocalStorage makes Node run a hook for every promise the process creates;
 * the cache used to enter one for each read it passed down to the database. This times an async
 * function with six awaits: at start, after cached reads on a memory store (misses and a bypass:
 * the reads that pass down), after an interactive `$transaction`, a `withCacheInfo()` and a
 * `getOrSet()` (each runs in an AsyncLocalStorage scope, disabled again when the last one ends),
 * and after one `AsyncLocalStorage.run()` left enabled, as the cache did before. Like the bench
 * it measures the built package: `npm run build` first, or `BENCH_SOURCE=src`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { countedClient, createBenchDatabase } from './helpers/database.js'
import { library } from './helpers/library.js'

const CALLS = 300_000
const ROUNDS = 5

async function sixAwaits(n: number): Promise<number> {
  let x = n
  for (let i = 0; i < 6; i++) x = await Promise.resolve(x + 1)
  return x
}

/** Median over rounds of the time per call of {@link sixAwaits}, in µs. */
async function promiseCost(): Promise<number> {
  const rounds: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now()
    for (let i = 0; i < CALLS; i++) await sixAwaits(i)
    rounds.push((1000 * (performance.now() - start)) / CALLS)
  }
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!
}

async function main(): Promise<void> {
  const url = await createBenchDatabase()
  const { prisma } = countedClient(url)
  const cached = prisma.$extends(library.cacheExtension({ store: library.memoryStore(), namespace: `promise-hooks-${Date.now().toString(36)}` }))
  await prisma.user.findFirst() // connect and warm Prisma before any figure
  const atStart = await promiseCost()
  for (let id = 1; id <= 3; id++) await cached.user.findUnique({ where: { id }, cache: true })
  await cached.user.count({ cache: false })
  const afterReads = await promiseCost()
  await cached.$transaction(async (tx) => tx.user.count())
  await cached.user.findMany({ take: 1, cache: true }).withCacheInfo()
  await cached.$cache.getOrSet('promise-hooks', () => cached.user.count(), { ttl: 60 })
  const afterScopes = await promiseCost()
  new AsyncLocalStorage<true>().run(true, () => undefined)
  const afterStorage = await promiseCost()
  const line = (what: string, us: number) => console.log(`${what.padEnd(44)} ${us.toFixed(3)} µs per call (${(us / atStart).toFixed(2)}× at start)`)
  line('at start', atStart)
  line('after cached reads that reached the database', afterReads)
  line('after $transaction, withCacheInfo(), getOrSet()', afterScopes)
  line('after one AsyncLocalStorage.run()', afterStorage)
  await prisma.$disconnect()
}

await main()
