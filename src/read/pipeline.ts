/**
 * The read pipeline. One lookup fetches the entry with the current versions of the tags it may
 * depend on — from process memory when every key is held there, else one store round trip (for a
 * key this process has not read lately, that round trip also creates missing versions and takes
 * the stampede lock, so a miss queries the database right after it). A valid fresh entry is a
 * hit; a valid entry inside its `swr` window is served stale while one refresh runs; anything
 * else is a miss that joins an in-flight fill started under the same versions, or fills the entry
 * itself.
 */
import { inflateEntry, storedForm } from '../codec/entry.js'
import { scopingNow } from '../dependencies/scopes.js'
import { readDependencies } from '../dependencies/read-dependencies.js'
import { captureVersions, newVersion, VERSION_TTL_MS } from '../dependencies/versions.js'
import { lockKey } from '../codec/keys.js'
import type { CacheEngine } from '../engine.js'
import { CacheError, CacheSerializationError } from '../errors.js'
import { currentTracker } from '../kv/tracking.js'
import type { LookupAndLock, StoreValue } from '../stores/store.js'
import { byteSize, type ReadSpan } from '../telemetry/otel.js'
import { fill, refresh, type Query } from './fill.js'
import { releaseIfTaken, releaseLock } from './lock.js'
import { eventOf, type Plan } from './plan.js'
import { parsedEntry, serveEntry, type ReadOutcome } from './serve.js'
import { signatureOf, type Flight, type FlightResult } from './single-flight.js'
import { checkEntry, checkEntryLocally } from './validity.js'

export type { ReadOutcome } from './serve.js'

/**
 * A fresh, uncompressed entry held in process memory, served synchronously; `undefined` when the
 * read needs the ordinary path (nothing local, stale, compressed, a pending invalidation).
 */
export function peekHit(engine: CacheEngine, plan: Plan): ReadOutcome | undefined {
  if (engine.hasPending(plan.tags)) return undefined
  const local = engine.guard.store.peek?.(plan.lookupKeys)
  if (!local) return undefined
  try {
    const { entry, held } = parsedEntry(engine, plan, local[0]!)
    if (entry.header.compressed) return undefined
    const freshness = checkEntryLocally(engine, plan, entry, (i) => String(local[i + 1]), Date.now())
    if (freshness !== 'fresh') return undefined
    const outcome = serveEntry(engine, plan, local[0]!, entry, 'fresh', performance.now(), held)
    engine.telemetry?.startRead(plan.model, plan.operation, plan.key)?.end('hit', byteSize(local[0]!))
    return outcome
  } catch {
    return undefined // the ordinary path reports it
  }
}

/** Serves a planned read from the cache or, through `query`, from the database. */
export function readThrough(engine: CacheEngine, plan: Plan, query: Query): Promise<ReadOutcome> {
  const span = engine.telemetry?.startRead(plan.model, plan.operation, plan.key)
  return span ? traced(span, engine, plan, query) : readUntraced(engine, plan, query)
}

/** A read inside its `cache.get` span: a miss's database query and store write run in its context. */
async function traced(span: ReadSpan, engine: CacheEngine, plan: Plan, query: Query): Promise<ReadOutcome> {
  try {
    const outcome = await span.run(() => readUntraced(engine, plan, query))
    span.end(outcome.info.status, outcome.stored === undefined ? undefined : byteSize(outcome.stored))
    return outcome
  } catch (error) {
    span.fail(error)
    throw error
  }
}

function readUntraced(engine: CacheEngine, plan: Plan, query: Query): Promise<ReadOutcome> {
  const startedAt = performance.now()
  if (engine.hasPending(plan.tags)) return uncached(engine, 'bypass', plan, query)
  // Not an async function: a miss on an in-process store pays for no promise of its own here.
  return engine.guard.store.lookupNow ? lookupInProcess(engine, plan, query, startedAt) : readFromStore(engine, plan, query, startedAt)
}

async function readFromStore(engine: CacheEngine, plan: Plan, query: Query, startedAt: number): Promise<ReadOutcome> {
  const local = engine.guard.store.peek?.(plan.lookupKeys)
  if (local) {
    const served = await serveStored(engine, plan, local[0]!, local.slice(1).map(String), query, startedAt)
    if (served) return served
  }
  if (engine.guard.store.lookupAndLock && !engine.readBefore(plan.key)) return lookupAndLock(engine, plan, query, startedAt)
  let values: (StoreValue | undefined)[]
  try {
    values = await engine.guard.call('read', (s) => s.mget(plan.lookupKeys))
  } catch (error) {
    engine.report(error, eventOf(plan))
    return uncached(engine, 'error', plan, query)
  }
  const versions = values.slice(1).map((v) => (v === undefined ? undefined : v.toString()))
  const stored = values[0]
  if (stored !== undefined) {
    const served = await serveStored(engine, plan, stored, versions, query, startedAt)
    if (served) return served
  }
  return miss(engine, plan, versions, query)
}

/**
 * A read of a key this process has not read lately, probably a miss: the entry, the versions
 * (absent ones created) and the stampede lock in one round trip, so a miss runs its query after a
 * single round trip. When the entry turns out valid after all, the lock is released, or handed to
 * the refresh of a stale entry (which would otherwise find it taken).
 */
async function lookupAndLock(engine: CacheEngine, plan: Plan, query: Query, startedAt: number): Promise<ReadOutcome> {
  const lock = { key: lockKey(engine.options.namespace, plan.key), token: newVersion(), ttlMs: engine.options.lockTtlMs }
  const initial = plan.versionKeys.map(() => newVersion())
  let found: LookupAndLock
  try {
    found = await engine.guard.call('read', (s) => s.lookupAndLock!(plan.key, plan.versionKeys, initial, VERSION_TTL_MS, lock))
  } catch (error) {
    engine.report(error, eventOf(plan))
    releaseIfTaken(engine, plan, lock.token, error)
    return uncached(engine, 'error', plan, query)
  }
  const held = found.locked ? lock.token : undefined
  if (found.entry !== undefined) {
    const served = await serveStored(engine, plan, found.entry, found.versions, query, startedAt, held, true)
    if (served) return served
  }
  return miss(engine, plan, found.versions, query, held)
}

/**
 * A read on an in-process store: the entry and its versions (absent ones created, so they are
 * the versions a fill captures) in one synchronous look-up.
 */
function lookupInProcess(engine: CacheEngine, plan: Plan, query: Query, startedAt: number): Promise<ReadOutcome> {
  let found: { entry: StoreValue | undefined; versions: string[] }
  try {
    found = engine.guard.store.lookupNow!(plan.key, plan.versionKeys, newVersion, VERSION_TTL_MS)
  } catch (error) {
    engine.report(error, eventOf(plan))
    return uncached(engine, 'error', plan, query)
  }
  const { entry, versions } = found
  if (entry === undefined) return miss(engine, plan, versions, query)
  return serveStored(engine, plan, entry, versions, query, startedAt).then((served) => served ?? miss(engine, plan, versions, query))
}

/**
 * A read the cache does not serve (no policy, inside a transaction, `scope()` threw). Inside a
 * `getOrSet`, its dependency versions are still captured before it runs, so the composite entry
 * is invalidated by later writes; a transactional read cannot be vouched for.
 */
export async function readUncached(
  engine: CacheEngine,
  status: 'bypass' | 'error',
  read: { model: string; operation: string; args: Record<string, unknown> | undefined },
  query: Query,
  inTransaction: boolean,
): Promise<ReadOutcome> {
  if (status === 'bypass') engine.events.counts.bypasses++
  const tracker = currentTracker()
  if (tracker) {
    if (inTransaction || status === 'error') tracker.incomplete = true
    else {
      const { tags } = readDependencies(engine.graph, read.model, read.operation, read.args, 'row', scopingNow(engine.options.scopedModels, engine.options.scope))
      const keys = tags.map((tag) => engine.keys.version(tag, tracker.home))
      try {
        const versions = await captureVersions(engine.guard, keys, keys.map(() => undefined))
        tracker.record(tags.map((tag, i) => [tag, versions[i]] as const))
      } catch (error) {
        engine.report(error, read)
        tracker.incomplete = true
      }
    }
  }
  return { value: await query(), info: { status } }
}

async function uncached(engine: CacheEngine, status: 'bypass' | 'error', plan: Plan, query: Query): Promise<ReadOutcome> {
  markIncomplete()
  if (status === 'bypass') engine.events.counts.bypasses++
  return { value: await query(), info: { status, key: plan.key } }
}

/**
 * Serves `stored` when it is valid. `heldLock`: the stampede lock this read took with its lookup;
 * once the entry is served, it is released or handed to the refresh (undefined: nothing served,
 * the lock stays with the caller's fill). `fetched`: the entry came from the shared tier, so a
 * tiered store keeps it locally.
 */
async function serveStored(
  engine: CacheEngine,
  plan: Plan,
  stored: StoreValue,
  versions: (string | undefined)[],
  query: Query,
  startedAt: number,
  heldLock?: string,
  fetched = false,
): Promise<ReadOutcome | undefined> {
  try {
    let { entry, held } = parsedEntry(engine, plan, stored)
    let raw = stored
    const now = Date.now()
    const freshness = await checkEntry(engine, plan, entry, (i) => versions[i], now)
    if (!freshness) return undefined
    const { keepLocal } = engine.guard.store
    if (keepLocal && (entry.header.compressed || fetched)) {
      // A tiered L1 holds what a memory store holds: inflate once, not on every local hit.
      if (entry.header.compressed) {
        entry = await inflateEntry(entry)
        raw = engine.signer ? engine.signer.seal(plan.key, storedForm(entry)) : storedForm(entry) // L1 verifies what it holds, too
        held = engine.decoded.find(plan.key, raw)
      }
      keepLocal.call(engine.guard.store, plan.key, raw, entry.header.staleUntil - now)
    }
    const outcome = serveEntry(engine, plan, raw, entry, freshness, startedAt, held)
    if (freshness === 'stale') refreshInBackground(engine, plan, versions, query, heldLock)
    else if (heldLock !== undefined) engine.inBackground(releaseLock(engine, plan, heldLock))
    outcome.stored = stored
    return outcome
  } catch (error) {
    // A foreign or corrupt value is a miss; the fill overwrites it.
    engine.report(error instanceof CacheError ? error : new CacheSerializationError('stored entry unreadable', error), eventOf(plan))
    return undefined
  }
}

/**
 * Starts the `swr` refresh of `plan`'s entry unless one runs here already. With `heldLock` (see
 * {@link serveStored}) it always runs: a refresh started here meanwhile cannot have the lock (we
 * do), so it gives up without a query, and ours is the only one.
 */
function refreshInBackground(engine: CacheEngine, plan: Plan, versions: (string | undefined)[], query: Query, heldLock?: string): void {
  if (heldLock === undefined && engine.refreshing.has(plan.key)) return
  engine.refreshing.add(plan.key)
  engine.inBackground(
    refresh(engine, plan, versions, query, heldLock)
      .catch((error) => engine.report(error, eventOf(plan)))
      .finally(() => engine.refreshing.delete(plan.key)),
  )
}

/** A miss: joins a flight under the same versions, or fills the entry (with `heldLock`, under that lock). */
async function miss(engine: CacheEngine, plan: Plan, versions: (string | undefined)[], query: Query, heldLock?: string): Promise<ReadOutcome> {
  const signature = signatureOf(versions)
  const flight = engine.flights.find(plan.key, signature)
  if (flight) {
    if (heldLock !== undefined) engine.inBackground(releaseLock(engine, plan, heldLock))
    return join(engine, plan, flight, query)
  }
  countMiss(engine, plan)
  let result: FlightResult | undefined
  try {
    result = await engine.flights.run(plan.key, signature, (control) => fill(engine, plan, versions, query, control, heldLock))
  } finally {
    emitMiss(engine, plan, result?.queryMs)
  }
  recordFlight(plan, result)
  return { value: result.value, info: { status: 'miss', key: plan.key, ttl: plan.policy.ttlMs / 1000 } }
}

/**
 * Joins an in-process flight. One whose value is already there answers like a hit (no database
 * query was waited for). One still running is waited for while it waits on another process's
 * fill (that wait is bounded by `lock.wait` itself), and at most `lock.wait` once its database
 * query runs: past that, this read queries the database itself, as a waiter in another process
 * would.
 */
async function join(engine: CacheEngine, plan: Plan, flight: Flight, query: Query): Promise<ReadOutcome> {
  if (flight.done) {
    const result = await flight.promise
    const savedMs = engine.events.countRead('hit', plan.model, plan.operation, plan.key)
    if (engine.events.has('hit')) engine.events.emit('hit', { ...eventOf(plan), savedMs })
    recordFlight(plan, result)
    return { value: await result.copy(), info: { status: 'hit', key: plan.key, ttl: plan.policy.ttlMs / 1000 } }
  }
  countMiss(engine, plan)
  let result: FlightResult | undefined
  try {
    result = await withinLockWait(engine, flight)
  } catch (error) {
    emitMiss(engine, plan)
    throw error
  }
  if (!result) {
    markIncomplete()
    const startedAt = performance.now()
    try {
      return { value: await query(), info: { status: 'miss', key: plan.key } }
    } finally {
      emitMiss(engine, plan, performance.now() - startedAt)
    }
  }
  emitMiss(engine, plan)
  recordFlight(plan, result)
  return { value: await result.copy(), info: { status: 'miss', key: plan.key } }
}

const GAVE_UP = Symbol('gave up')

async function withinLockWait(engine: CacheEngine, flight: Flight): Promise<FlightResult | undefined> {
  const waitMs = engine.options.lockWaitMs
  for (;;) {
    const since = flight.queryStartedAt
    const result = await raceTimer(flight.promise, since === undefined ? waitMs : since + waitMs - Date.now())
    if (result !== GAVE_UP) return result
    if (flight.queryStartedAt !== undefined && Date.now() >= flight.queryStartedAt + waitMs) return undefined
  }
}

/**
 * `promise`, or {@link GAVE_UP} after `ms`. A failed flight fails its joiners too, as the query
 * would have: N joiners must not turn one database error into N queries.
 */
function raceTimer<T>(promise: Promise<T>, ms: number): Promise<T | typeof GAVE_UP> {
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<typeof GAVE_UP>((resolve) => {
    timer = setTimeout(() => resolve(GAVE_UP), Math.max(0, ms))
    timer.unref()
  })
  return Promise.race([promise, gaveUp]).finally(() => clearTimeout(timer))
}

function countMiss(engine: CacheEngine, plan: Plan): void {
  engine.events.countRead('miss', plan.model, plan.operation, plan.key)
}

/**
 * The `miss` event of a read {@link countMiss} counted — one per counted miss, so listeners
 * (Prometheus, insights) add up to `stats()` — once it has its answer. `queryMs`: the database
 * time, only when this read's own query ran (a joiner or a lock waiter ran none).
 */
function emitMiss(engine: CacheEngine, plan: Plan, queryMs?: number): void {
  if (engine.events.has('miss')) engine.events.emit('miss', { ...eventOf(plan), ...(queryMs !== undefined && { durationMs: queryMs }) })
}

/** Tells a running `getOrSet` which versions a flight's value was computed under. */
function recordFlight(plan: Plan, result: FlightResult): void {
  const tracker = currentTracker()
  if (!tracker) return
  if (result.deps) tracker.record(result.deps, plan.bucket)
  else tracker.incomplete = true
}

function markIncomplete(): void {
  const tracker = currentTracker()
  if (tracker) tracker.incomplete = true
}
