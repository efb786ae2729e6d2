/**
 * The read path: one store round trip fetches the entry with the current versions of the tags it
 * may depend on. A valid fresh entry is a hit; a valid entry inside its `swr` window is served
 * stale while one refresh runs; anything else is a miss that joins an in-flight query started
 * under the same versions, or captures versions, queries the database and stores the result.
 */
import { readDependencies, type ReadDependencies } from './dependencies/read-dependencies.js'
import { userTag } from './dependencies/tags.js'
import type { CacheEngine } from './engine.js'
import { CacheSerializationError } from './errors.js'
import { entryKey, versionKey } from './keys.js'
import type { ReadPolicy } from './read-policy.js'
import { decodePayload, parseEntry, type ParsedEntry } from './serialize.js'
import { fill, refresh } from './fill.js'
import type { FlightResult } from './single-flight.js'
import { currentTracker } from './tracking.js'
import type { StoreValue } from './stores/store.js'
import type { CacheInfo } from './types.js'

/** One cached read. */
export interface ReadRequest {
  model: string
  operation: string
  args: Record<string, unknown> | undefined
  policy: ReadPolicy
  scope: string | undefined
  query: (args: Record<string, unknown> | undefined) => Promise<unknown>
}

/** The value and how it was served. */
export interface ReadOutcome {
  value: unknown
  info: CacheInfo
}

/** A read with its key and the tags it may depend on. */
export interface Plan {
  request: ReadRequest
  key: string
  deps: ReadDependencies
  /** Every tag whose version is read and captured: the union of the possible dependency sets. */
  tags: string[]
  userTags: string[]
}

/** Serves `request` from the cache or the database. */
export function readThrough(engine: CacheEngine, request: ReadRequest): Promise<ReadOutcome> {
  return readPlanned(engine, planRead(engine, request))
}

/** Serves a read already planned (its key and tags derived) from the cache or the database. */
export async function readPlanned(engine: CacheEngine, plan: Plan): Promise<ReadOutcome> {
  const { request } = plan
  if (engine.hasPending(plan.tags)) return bypass(engine, plan)
  const keys = [plan.key, ...plan.tags.map((t) => versionKey(engine.options.namespace, t))]
  let values: (StoreValue | undefined)[] | undefined = engine.guard.store.peek?.(keys)
  if (values) {
    const served = await serveStored(engine, plan, values[0]!, values.slice(1).map(String))
    if (served) return served
  }
  try {
    values = await engine.guard.call('read', (s) => s.mget(keys))
  } catch (error) {
    engine.report(error, eventOf(plan))
    markIncomplete()
    return { value: await request.query(request.args), info: { status: 'error', key: plan.key } }
  }
  const versions = values.slice(1).map((v) => (v === undefined ? undefined : v.toString()))
  const stored = values[0]
  if (stored !== undefined) {
    const served = await serveStored(engine, plan, stored, versions)
    if (served) return served
  }
  return miss(engine, plan, versions)
}

/** The key and tags of a read. */
export function planRead(engine: CacheEngine, request: ReadRequest): Plan {
  const { model, operation, args, policy } = request
  const deps = readDependencies(engine.graph, model, operation, args, engine.options.precision)
  const userTags = policy.tags.map(userTag)
  const tags = [...new Set([...deps.tags, ...(deps.row?.tags ?? []), ...userTags])]
  const key = entryKey({
    namespace: engine.options.namespace,
    fingerprint: engine.fingerprint,
    model,
    operation,
    scope: request.scope,
    args,
    customKey: policy.key,
  })
  return { request, key, deps, tags, userTags }
}

async function bypass(engine: CacheEngine, plan: Plan): Promise<ReadOutcome> {
  markIncomplete()
  engine.events.counts.bypasses++
  return { value: await plan.request.query(plan.request.args), info: { status: 'bypass', key: plan.key } }
}

async function serveStored(engine: CacheEngine, plan: Plan, stored: StoreValue, versions: (string | undefined)[]): Promise<ReadOutcome | undefined> {
  try {
    const entry = await validEntry(engine, plan, stored, versions)
    if (!entry) return undefined
    const value = await decodePayload(entry)
    currentTracker()?.record(entry.header.deps)
    const now = Date.now()
    const fresh = now < entry.header.freshUntil
    const info: CacheInfo = { status: fresh ? 'hit' : 'stale', key: plan.key, age: now - entry.header.createdAt, ttl: plan.request.policy.ttlMs / 1000 }
    if (fresh) {
      engine.events.counts.hits++
      if (engine.events.has('hit')) engine.events.emit('hit', eventOf(plan))
    } else {
      engine.events.counts.stale++
      if (engine.events.has('stale')) engine.events.emit('stale', eventOf(plan))
      refreshInBackground(engine, plan, versions)
    }
    return { value, info }
  } catch (error) {
    // A foreign or corrupt value is a miss; the fill overwrites it.
    engine.report(error instanceof CacheSerializationError ? error : new CacheSerializationError('stored entry unreadable', error), eventOf(plan))
    return undefined
  }
}

/**
 * The parsed entry when every dependency version it recorded is still current and it is inside
 * its stale window; `undefined` otherwise. Throws on a foreign or corrupt value. `versions` are
 * those of `plan.tags`, read with the entry; a row tag learned at fill time (a lookup by a unique
 * field other than the id) is not among them and costs one more read.
 */
export async function validEntry(engine: CacheEngine, plan: Plan, stored: StoreValue, versions: readonly (string | undefined)[], consistent = false): Promise<ParsedEntry | undefined> {
  const entry = parseEntry(stored)
  if (Date.now() >= entry.header.staleUntil) return undefined
  const outside = dependenciesOutsidePlan(plan, entry.header.deps, (i) => versions[i])
  if (outside === false) return undefined
  if (outside.length === 0) return entry
  const keys = outside.map(([tag]) => versionKey(engine.options.namespace, tag))
  const current = (!consistent && engine.guard.store.peek?.(keys)) || (await engine.guard.call('read', (s) => s.mget(keys, consistent)))
  return outside.every(([, version], i) => current[i]?.toString() === version) ? entry : undefined
}

const NONE: [string, string][] = []

/**
 * Checks an entry's recorded versions against `versionAt(i)`, the current version of
 * `plan.tags[i]`: `false` when one of them moved; otherwise the recorded dependencies that are not
 * among `plan.tags` (a row tag learned at fill time), which the caller still has to check.
 */
export function dependenciesOutsidePlan(plan: Plan, deps: readonly [string, string][], versionAt: (i: number) => string | undefined): [string, string][] | false {
  let outside: [string, string][] | undefined
  for (const dep of deps) {
    const i = plan.tags.indexOf(dep[0])
    if (i < 0) (outside ??= []).push(dep)
    else if (versionAt(i) !== dep[1]) return false
  }
  return outside ?? NONE
}

function refreshInBackground(engine: CacheEngine, plan: Plan, versions: (string | undefined)[]): void {
  if (engine.refreshing.has(plan.key)) return
  engine.refreshing.add(plan.key)
  refresh(engine, plan, versions)
    .catch((error) => engine.report(error, eventOf(plan)))
    .finally(() => engine.refreshing.delete(plan.key))
}

async function miss(engine: CacheEngine, plan: Plan, versions: (string | undefined)[]): Promise<ReadOutcome> {
  engine.events.counts.misses++
  if (engine.events.has('miss')) engine.events.emit('miss', eventOf(plan))
  const signature = versions.join('|')
  const inFlight = engine.flights.find(plan.key, signature)
  if (inFlight) {
    const result = await inFlight
    recordFlight(result)
    return { value: await result.copy(), info: { status: 'miss', key: plan.key } }
  }
  const result = await engine.flights.run(plan.key, signature, () => fill(engine, plan, versions))
  recordFlight(result)
  return { value: result.value, info: { status: 'miss', key: plan.key, ttl: plan.request.policy.ttlMs / 1000 } }
}

/** Tells a running `getOrSet` which versions a flight's value was computed under. */
function recordFlight(result: FlightResult): void {
  const tracker = currentTracker()
  if (!tracker) return
  if (result.deps) tracker.record(result.deps)
  else tracker.incomplete = true
}

function markIncomplete(): void {
  const tracker = currentTracker()
  if (tracker) tracker.incomplete = true
}

/** The event fields of a read. */
export function eventOf(plan: Plan): { model: string; operation: string; key: string } {
  return { model: plan.request.model, operation: plan.request.operation, key: plan.key }
}
