/**
 * Correctness probes, per contestant, on a fresh instance each: exact types on a hit, freshness
 * after an update of the same model and after creating a related row seen through `include`,
 * database statements for 200 identical cold reads, and reads while Redis is down.
 */
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { config } from '../helpers/config.js'
import type { Contestant, Instance, InstanceEnv } from '../helpers/contestants.js'
import { Prisma, type PrismaClient } from '../../test/generated/prisma/client.js'
import { firstDifference } from '../helpers/exact.js'
import { firstLine } from '../helpers/measure.js'
import { read } from '../helpers/workload.js'

/** One contestant's probe outcomes, as table cells. */
export interface ProbeResults {
  exactTypes: string
  freshAfterUpdate: string
  freshAfterRelatedCreate: string
  stampede: string
  redisDown: string
}

/** Runs every probe but Redis-down on `contestant`; `base` is an uncached client used to set up rows. */
export async function runProbes(contestant: Contestant, env: InstanceEnv, base: PrismaClient, index: number, token: string): Promise<ProbeResults> {
  const results: ProbeResults = { exactTypes: '', freshAfterUpdate: '', freshAfterRelatedCreate: '', stampede: '', redisDown: '' }
  let instance: Instance | undefined
  try {
    instance = await contestant.create(env)
    const created = instance
    const product = await Promise.race([
      exactTypesProbe(created, base, `${token}-${index}`, results),
      sleep(PROBE_CAP_MS).then(() => Promise.reject(new Error(`no answer in ${PROBE_CAP_MS / 1000} s`))),
    ])
    results.freshAfterUpdate = await attempt(() => updateProbe(instance!, base, product, `${token}-${index}`))
    results.freshAfterRelatedCreate = await attempt(() => includeProbe(instance!, base, `${token}-${index}`))
    results.stampede = await attempt(() => stampedeProbe(instance!, index))
  } catch (error) {
    const message = `✗ error: ${firstLine(String((error as Error).message ?? error))}`
    for (const key of Object.keys(results) as (keyof ProbeResults)[]) if (!results[key]) results[key] = message
  } finally {
    await Promise.race([instance?.close(), sleep(5_000)])
  }
  return results
}

/** The Redis-down probe of `contestant` (slow when a contestant hangs: run them side by side). */
export function redisDown(contestant: Contestant, env: InstanceEnv): Promise<string> {
  return contestant.usesRedis ? attempt(() => redisDownProbe(contestant, env)) : Promise.resolve('n/a (no Redis)')
}

/** A probe's outcome; a probe that hangs is reported after PROBE_CAP_MS instead of stalling the run. */
async function attempt(probe: () => Promise<string>): Promise<string> {
  try {
    return await Promise.race([probe(), sleep(PROBE_CAP_MS, `✗ no answer in ${PROBE_CAP_MS / 1000} s`)])
  } catch (error) {
    return `✗ error: ${firstLine(String((error as Error).message ?? error))}`
  }
}

const PROBE_CAP_MS = 30_000

/** Reads `args` twice and reports whether the second read reached the database. */
async function readTwice(instance: Instance, model: string, operation: string, args: Record<string, unknown>): Promise<{ value: any; dbOnHit: number }> {
  await read(instance, model, operation, args)
  await sleep(30)
  const before = instance.counter.queries
  const value = await read(instance, model, operation, args)
  return { value, dbOnHit: instance.counter.queries - before }
}

async function exactTypesProbe(instance: Instance, base: PrismaClient, tag: string, results: ProbeResults): Promise<number> {
  const product = await base.product.create({
    data: {
      sku: `probe-${tag}`,
      name: 'probe',
      price: new Prisma.Decimal('12345678.91'),
      stock: 9_007_199_254_740_993n,
      image: new Uint8Array([0, 1, 2, 254, 255]),
      attributes: { nested: { list: [1, 'two', null, true] }, ratio: 1.5 },
      status: 'PUBLISHED',
      releasedAt: new Date('2024-02-29T12:34:56.789Z'),
    },
  })
  results.exactTypes = await attempt(async () => {
    const expected = await base.product.findUnique({ where: { id: product.id } })
    const { value, dbOnHit } = await readTwice(instance, 'product', 'findUnique', { where: { id: product.id } })
    if (dbOnHit > 0) return `– not cached (2nd read reached the DB${instance.errors.length ? `; its error: ${firstLine(instance.errors.at(-1)!)}` : ''})`
    const diff = firstDifference(value, expected)
    return diff ? `✗ ${diff}` : '✓ exact'
  })
  // A contestant whose read of this row fails (prisma-smart-cache cannot serialize a BigInt) still
  // gets a verdict on the other types: an Order row has a Decimal and a Date and no BigInt.
  if (results.exactTypes.startsWith('✗ error')) results.exactTypes += `; an Order row (no BigInt): ${await attempt(() => orderTypesProbe(instance, base))}`
  return product.id
}

async function orderTypesProbe(instance: Instance, base: PrismaClient): Promise<string> {
  const expected = await base.order.findFirst({ orderBy: { id: 'desc' } })
  if (!expected) return '– no order row'
  const { value, dbOnHit } = await readTwice(instance, 'order', 'findUnique', { where: { id: expected.id } })
  if (dbOnHit > 0) return '– not cached'
  const diff = firstDifference(value, expected)
  return diff ? `✗ ${diff}` : '✓ exact'
}

async function updateProbe(instance: Instance, base: PrismaClient, productId: number, tag: string): Promise<string> {
  try {
    await readTwice(instance, 'product', 'findUnique', { where: { id: productId } })
  } catch (error) {
    // Product reads fail on this contestant (see the exact-types cell): probe on a User row instead.
    const user = await base.user.create({ data: { email: `probe-update-${tag}@bench.test`, name: 'probe' } })
    await readTwice(instance, 'user', 'findUnique', { where: { id: user.id } })
    await instance.client.user.update({ where: { id: user.id }, data: { name: 'renamed by probe' } })
    const after = await read(instance, 'user', 'findUnique', { where: { id: user.id } })
    const verdict = after?.name === 'renamed by probe' ? '✓ fresh' : `✗ stale (name ${JSON.stringify(after?.name)})`
    return `${verdict} (on a User row: its Product read fails, ${firstLine(String((error as Error).message ?? error))})`
  }
  await instance.client.product.update({ where: { id: productId }, data: { name: 'renamed by probe' } })
  const after = await read(instance, 'product', 'findUnique', { where: { id: productId } })
  return after?.name === 'renamed by probe' ? '✓ fresh' : `✗ stale (name ${JSON.stringify(after?.name)})`
}

async function includeProbe(instance: Instance, base: PrismaClient, tag: string): Promise<string> {
  const user = await base.user.create({ data: { email: `probe-${tag}@bench.test`, name: 'probe' } })
  const args = { where: { id: user.id }, include: { orders: true } }
  await readTwice(instance, 'user', 'findUnique', args)
  await instance.client.order.create({ data: { userId: user.id, total: new Prisma.Decimal('1.00') } })
  const after = await read(instance, 'user', 'findUnique', args)
  const n = Array.isArray(after?.orders) ? after.orders.length : -1
  return n === 1 ? '✓ fresh' : `✗ stale (${n} orders, 1 expected)`
}

async function stampedeProbe(instance: Instance, index: number): Promise<string> {
  const args = { where: { userId: { lte: 10 }, id: { not: -1_000_000 - index } }, orderBy: { id: 'asc' }, take: 3 }
  const before = instance.counter.queries
  const values = await Promise.all(Array.from({ length: config.stampede }, () => read(instance, 'order', 'findMany', args)))
  const statements = instance.counter.queries - before
  const complete = values.every((v) => Array.isArray(v) && v.length === 3)
  return `${statements} ${statements === 1 ? 'query' : 'queries'}${complete ? '' : ' ✗ wrong results'}`
}

/** A TCP port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

type Timed = { ok: true; ms: number } | { ok: false; ms: number; reason: string }

async function timedRead(instance: Instance): Promise<Timed> {
  const start = performance.now()
  const pending = read(instance, 'user', 'findUnique', { where: { id: 1 } }).then(
    (value) => (value?.id === 1 ? { ok: true as const } : { ok: false as const, reason: 'wrong data' }),
    (error: unknown) => ({ ok: false as const, reason: firstLine(String((error as Error)?.message ?? error)) }),
  )
  const timeout = sleep(config.redisDownCapMs, { ok: false as const, reason: 'timeout' })
  const outcome = await Promise.race([pending, timeout])
  return { ...outcome, ms: performance.now() - start }
}

/** Points the contestant's Redis at a closed port, then reads twice. */
async function redisDownProbe(contestant: Contestant, env: InstanceEnv): Promise<string> {
  const port = await closedPort()
  const instance = await contestant.create({ ...env, redisUrl: `redis://127.0.0.1:${port}` })
  try {
    const first = await timedRead(instance)
    const second = await timedRead(instance)
    const ms = (t: Timed) => (t.ms >= 1000 ? `${(t.ms / 1000).toFixed(1)} s` : `${t.ms.toFixed(0)} ms`)
    const describe = (t: Timed) => (t.ok ? `data in ${ms(t)}` : t.reason === 'timeout' ? `no answer in ${ms(t)}` : `error after ${ms(t)} (${t.reason})`)
    const mark = first.ok && second.ok ? '✓' : '✗'
    return `${mark} ${describe(first)}; next read: ${describe(second)}`
  } finally {
    await instance.close()
  }
}
