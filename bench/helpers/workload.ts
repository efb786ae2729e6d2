/**
 * A workload is one row group of the table: it prepares each contestant instance (warming the
 * entries a hit workload reads) and returns the call that is timed. The runner times every
 * contestant round-robin and turns a failing contestant into an error cell.
 */
import type { Instance } from './contestants.js'
import { config } from './config.js'
import { firstLine, roundRobin, type Measured } from './measure.js'

/** What a workload knows about the seeded data. */
export interface Dataset {
  users: number
  products: number
  orders: number
  /** A token unique to this run, for keys that must never repeat. */
  runToken: string
}

/** One workload. */
export interface Workload {
  id: string
  title: string
  group: 'hit' | 'miss' | 'cycle'
  /** Reads per timed call (for throughput). @default 1 */
  ops?: number
  /** Prepares `instance` and returns the timed call. */
  setup(instance: Instance, data: Dataset): Promise<() => Promise<unknown>>
}

/** Reads through a contestant: `client[model][operation](cached(args))`. */
export function read(instance: Instance, model: string, operation: string, args: Record<string, unknown>): Promise<any> {
  return instance.client[model][operation](instance.cached(args))
}

/** Reads each of `calls` twice (miss, then hit) and lets fire-and-forget writes land. */
export async function warm(calls: readonly (() => Promise<unknown>)[]): Promise<void> {
  for (const call of calls) await call()
  await new Promise((resolve) => setTimeout(resolve, 30))
  for (const call of calls) await call()
}

/** Runs `call` {@link config.warmCalls} times or for {@link config.warmMs}, whichever ends first. */
async function warmUp(call: () => Promise<unknown>): Promise<void> {
  const until = performance.now() + config.warmMs
  for (let i = 0; i < config.warmCalls && performance.now() < until; i++) await call()
}

/** Times `workload` on every instance, round-robin, each warmed up first. */
export async function runWorkload(workload: Workload, instances: ReadonlyMap<string, Instance>, data: Dataset): Promise<Map<string, Measured>> {
  const entries = []
  const failed = new Map<string, Measured>()
  for (const [id, instance] of instances) {
    try {
      entries.push({ id, fn: await workload.setup(instance, data), counter: instance.counter })
    } catch (error) {
      failed.set(id, { error: firstLine((error as Error).message ?? String(error)) })
    }
  }
  for (const entry of entries) await warmUp(entry.fn).catch(() => undefined) // a failing call fails in the rounds, where it is reported
  const measured = await roundRobin(entries, { rounds: config.rounds, roundMs: config.roundMs, ops: workload.ops ?? 1 })
  return new Map([...instances.keys()].map((id) => [id, failed.get(id) ?? measured.get(id)!]))
}
