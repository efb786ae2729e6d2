/**
 * The in-process hit path. When the entry of a cached read sits in process memory (`memoryStore`,
 * or a `tieredStore`'s L1 while its bus is healthy) and is fresh, the typed read method answers it
 * without entering Prisma's request pipeline, which costs more than the lookup itself (a call-site
 * `Error` per call, argument serialization, two extension layers).
 *
 * Safe only when nothing below the extension would act on the read — no other extension's query
 * hook or computed fields — so the engine enables it only for a client with no extension under
 * ours. Everything that is not a fresh in-memory hit (stale, compressed, invalidation pending,
 * bad options, a throwing `scope`) goes the ordinary way, through Prisma and the query hook.
 */
import { withoutCache } from './direct-read.js'
import type { CacheEngine } from './engine.js'
import { versionKey } from './keys.js'
import { dependenciesOutsidePlan, eventOf, planRead, type Plan } from './read-path.js'
import { readPolicy } from './read-policy.js'
import { decodePayload, parseEntry, type ParsedEntry } from './serialize.js'
import { currentTracker } from './tracking.js'
import type { CacheInfo } from './types.js'

/** A read that looked like a fresh in-memory hit when it was called. */
export interface FastHit {
  /** Re-checks and decodes at `then()` time (a write may have landed since); `undefined` if no longer a hit. */
  take(): { value: unknown; info: CacheInfo } | undefined
}

const notRun = () => Promise.reject(new Error('prisma-query-cache: a prepared plan gets its query before it runs'))

/** A cached read planned at call time, and whether it looked like a fresh in-memory hit then. */
export interface PreparedRead {
  /** Key and tags, derived once; the read reuses them if it turns out not to be a hit. */
  plan: Plan
  hit: FastHit | undefined
}

/**
 * Plans a cached read on a store with an in-process tier and checks it for a fresh in-memory hit.
 * `undefined` when this path does not apply (no in-memory tier, nothing to cache, options or
 * `scope` that throw): the read then goes the ordinary way, which reports such problems.
 */
export function prepareFastHit(engine: CacheEngine, model: string, operation: string, args: Record<string, unknown> | undefined): PreparedRead | undefined {
  if (!engine.fastPath || !engine.guard.store.peek) return undefined
  let plan: Plan
  try {
    const policy = readPolicy(engine.options, model, args?.cache)
    if (!policy) return undefined
    const scope = engine.options.scope?.()
    const queryArgs = args && 'cache' in args ? withoutCache(args) : args
    plan = planRead(engine, { model, operation, args: queryArgs, policy, scope, query: notRun })
  } catch {
    return undefined // the ordinary path reports it
  }
  const keys = [plan.key, ...plan.tags.map((t) => versionKey(engine.options.namespace, t))]
  const entry = currentEntry(engine, plan, keys, undefined)
  return { plan, hit: entry && new PreparedHit(engine, plan, keys, entry) }
}

class PreparedHit implements FastHit {
  constructor(
    private readonly engine: CacheEngine,
    private readonly plan: Plan,
    private readonly keys: string[],
    private readonly seen: { raw: unknown; entry: ParsedEntry },
  ) {}

  take(): { value: unknown; info: CacheInfo } | undefined {
    const { engine, plan } = this
    const current = currentEntry(engine, plan, this.keys, this.seen)
    if (!current) return undefined
    const { entry } = current
    let value: unknown
    try {
      value = decodePayload(entry)
    } catch {
      return undefined
    }
    currentTracker()?.record(entry.header.deps)
    engine.events.counts.hits++
    if (engine.events.has('hit')) engine.events.emit('hit', eventOf(plan))
    return { value, info: { status: 'hit', key: plan.key, age: Date.now() - entry.header.createdAt, ttl: plan.request.policy.ttlMs / 1000 } }
  }
}

/** The entry in memory if it is fresh and every version it recorded is current; `seen` spares a second parse. */
function currentEntry(engine: CacheEngine, plan: Plan, keys: string[], seen: { raw: unknown; entry: ParsedEntry } | undefined): { raw: unknown; entry: ParsedEntry } | undefined {
  if (engine.hasPending(plan.tags)) return undefined
  const values = engine.guard.store.peek!(keys)
  if (!values) return undefined
  try {
    const raw = values[0]!
    const entry = seen && seen.raw === raw ? seen.entry : parseEntry(raw)
    return isFreshAndCurrent(engine, plan, entry, values) ? { raw, entry } : undefined
  } catch {
    return undefined
  }
}

function isFreshAndCurrent(engine: CacheEngine, plan: Plan, entry: ParsedEntry, values: readonly unknown[]): boolean {
  if (entry.header.compressed || Date.now() >= entry.header.freshUntil) return false
  const outside = dependenciesOutsidePlan(plan, entry.header.deps, (i) => String(values[i + 1]))
  if (outside === false) return false
  if (outside.length === 0) return true
  const current = engine.guard.store.peek!(outside.map(([tag]) => versionKey(engine.options.namespace, tag)))
  return current !== undefined && outside.every(([, version], i) => String(current[i]) === version)
}
