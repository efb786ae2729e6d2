/**
 * A child process with its own PrismaClient + cacheExtension on a shared Redis, driven by JSON
 * lines on stdin (one command per line, `{ id, op, ... }`) and answering JSON lines on stdout
 * (`{ id, ...reply }`, or `{ event }` for things that happen on their own). Run with
 * `node --import tsx test/helpers/child/cache-worker.ts`. Environment: DATABASE_URL, REDIS_URL,
 * NAMESPACE, STORE (`redis` | `tiered`), and for `tiered` BUS_NAME, CHANNEL, BUS_RETRY_MS. With
 * REDIS_CLUSTER_NODES set the store is on that Redis Cluster instead (ioredis `Cluster`; a tiered
 * store then subscribes on a node of its own choosing, on `<NAMESPACE>:bus`).
 */
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { Cluster, Redis } from 'ioredis'
import { cacheExtension, redisStore, tieredStore, type CacheOptions, type CacheStore, type TieredStore } from '../../../src/index.js'
import { PrismaClient } from '../../generated/prisma/client.js'
import { countingAdapter } from './counting-adapter.js'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`cache-worker: ${name} is not set`)
  return value
}

const adapter = countingAdapter(env('DATABASE_URL'))
const raw = new PrismaClient({ adapter: adapter.factory })
const clusterNodes = (process.env.REDIS_CLUSTER_NODES || undefined)?.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) }))
const redis = clusterNodes
  ? new Cluster(clusterNodes, { redisOptions: { maxRetriesPerRequest: 0 } })
  : new Redis(env('REDIS_URL'), { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
redis.on('error', () => {})
const store: CacheStore = process.env.STORE !== 'tiered' ? redisStore({ client: redis }) : clusterNodes ? tieredStore({ l2: redisStore({ client: redis }) }) : makeTiered()
const clients = new Map<string, ReturnType<typeof cached>>()

function makeTiered(): TieredStore {
  const retryMs = Number(process.env.BUS_RETRY_MS ?? 50)
  const bus = new Redis(env('REDIS_URL'), { connectionName: env('BUS_NAME'), retryStrategy: () => retryMs, maxRetriesPerRequest: 0 })
  bus.on('error', () => {})
  return tieredStore({ l2: redisStore({ client: redis as Redis }), bus, channel: env('CHANNEL') })
}

function cached(options: Omit<CacheOptions, 'store' | 'namespace'>) {
  return raw.$extends(cacheExtension({ timeouts: { store: 2000 }, ...options, store, namespace: env('NAMESPACE') }))
}

/** One cached client per distinct option set (lock, swr, ...), made on first use. */
function client(options: Omit<CacheOptions, 'store' | 'namespace'> = {}) {
  const id = JSON.stringify(options)
  let c = clients.get(id)
  if (!c) clients.set(id, (c = cached(options)))
  return c
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now()

/** The read every command uses: products whose SKU starts with `prefix` (`marker` only changes the key). */
function readProducts(command: Command) {
  const where = { sku: { startsWith: command.prefix }, ...(command.marker !== undefined && { name: { not: command.marker } }) }
  return client(command.options)
    .product.findMany({ where, select: { id: true, sku: true, name: true, price: true }, orderBy: { id: 'asc' }, cache: true })
    .withCacheInfo()
}

interface Command {
  id: number
  op: string
  prefix?: string
  marker?: string
  n?: number
  options?: Omit<CacheOptions, 'store' | 'namespace'>
  text?: string
  name?: string
  productId?: number
  timeoutMs?: number
}

const handlers: Record<string, (command: Command) => Promise<object>> = {
  async warm() {
    client() // the extension attaches the store to its namespace: a tiered store starts its bus here
    await raw.$queryRaw`SELECT 1`
    if (redis.status !== 'ready') await once(redis, 'ready')
    if (!clusterNodes) await (redis as Redis).ping()
    adapter.executions = 0
    return {}
  },
  async reads(command) {
    const started = now()
    const outcomes = await Promise.all(Array.from({ length: command.n ?? 1 }, async () => {
      const { data, info } = await readProducts(command)
      return { data, status: info.status, ms: now() - started }
    }))
    return { outcomes, executions: adapter.executions, started }
  },
  async hold(command) {
    adapter.hold(command.text!, () => send({ event: 'held' }))
    return {}
  },
  async count() {
    return { executions: adapter.executions }
  },
  async update(command) {
    await client(command.options).product.update({ where: { id: command.productId! }, data: { name: command.name! } })
    return { resolvedAt: now() }
  },
  async watch(command) {
    const deadline = Date.now() + (command.timeoutMs ?? 5000)
    for (let reads = 1; Date.now() < deadline; reads++) {
      const { data } = await readProducts(command)
      if (data[0]?.name === command.name) return { seenAt: now(), reads }
      await new Promise((resolve) => setImmediate(resolve))
    }
    return { seenAt: undefined }
  },
  async bus() {
    return { healthy: (store as TieredStore).bus?.healthy ?? false }
  },
}

function send(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n')
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command
  const handler = handlers[command.op]
  if (!handler) return send({ id: command.id, error: `unknown op ${command.op}` })
  handler(command).then(
    (reply) => send({ id: command.id, ...reply }),
    (error: unknown) => send({ id: command.id, error: String(error) }),
  )
}).on('close', () => process.exit(0))

send({ event: 'ready' })
