/**
 * Filling an entry: capture the dependency versions, query the database, store the result under
 * those versions. On a shared store (Redis, tiered) the fill first takes the entry's stampede lock,
 * in the same round trip as the re-check of the entry and the creation of missing versions, so N
 * processes missing the same key run the query once. The entry write and the unlock are not
 * awaited by the caller: the versions were captured before the query, so an entry that lands late
 * is judged by them like any other.
 */
import { cloneDecoded } from '../codec/clone.js'
import { canonicalize, lockKey } from '../codec/keys.js'
import { deserializeValue, encodeEntry, encodeUncompressed, serializeValue, serializeWithin, sizeWithin, type EntryHeader, type Serialized } from '../codec/entry.js'
import { modelTag, primaryKeyOf, rowTag, spelledLoosely } from '../dependencies/tags.js'
import { captureVersions } from '../dependencies/versions.js'
import { capture } from './capture.js'
import type { CacheEngine } from '../engine.js'
import { CacheSerializationError } from '../errors.js'
import { acquireLock, releaseLock, waitForFill } from './lock.js'
import { eventOf, type Plan } from './plan.js'
import { signatureOf, type FlightControl, type FlightResult } from './single-flight.js'

/** Runs the read's database query (a new query each call). */
export type Query = () => PromiseLike<unknown>

/**
 * Fills the entry of a miss: once per process (single-flight) and, on a shared store, once across
 * processes. `heldLock`: the read already holds the entry's lock, taken with its lookup, and
 * `known` are then every version, captured.
 */
export function fill(engine: CacheEngine, plan: Plan, known: (string | undefined)[], query: Query, flight: FlightControl, heldLock?: string): Promise<FlightResult> {
  const run: Query = () => (flight.querying(), query())
  if (heldLock !== undefined) return fillFromDatabase(engine, plan, known as string[], run, heldLock)
  if (!engine.sharedStore && !known.includes(undefined)) return fillFromDatabase(engine, plan, known as string[], run) // captured by the lookup
  return fillAfterCapture(engine, plan, known, run, flight)
}

/** A fill whose versions are not all known yet: captured first, and on a shared store under the stampede lock. */
async function fillAfterCapture(engine: CacheEngine, plan: Plan, known: (string | undefined)[], run: Query, flight: FlightControl): Promise<FlightResult> {
  if (!engine.sharedStore) {
    const captured = await capture(engine, plan, known)
    if (captured) flight.alsoUnder(signatureOf(captured))
    return fillFromDatabase(engine, plan, captured, run)
  }
  const deadline = Date.now() + engine.options.lockWaitMs
  let waited = false
  for (;;) {
    const lock = await acquireLock(engine, plan, known, 'valid')
    if (lock === undefined) return fillFromDatabase(engine, plan, undefined, run)
    if (lock.landed) {
      if (lock.acquired) void releaseLock(engine, plan, lock.token)
      return lock.landed
    }
    if (lock.acquired) {
      if (lock.versions) flight.alsoUnder(signatureOf(lock.versions))
      return fillFromDatabase(engine, plan, lock.versions, run, lock.token)
    }
    if (!waited) {
      waited = true
      engine.events.counts.lockWaits++
      if (engine.events.has('lock')) engine.events.emit('lock', eventOf(plan))
    }
    const outcome = await waitForFill(engine, plan, deadline)
    if (outcome.kind === 'landed') return outcome.result
    // The holder is stuck past lock.wait, or the store failed while we waited: query the
    // database ourselves, under versions captured now.
    if (outcome.kind === 'gave-up') return fillFromDatabase(engine, plan, await capture(engine, plan, plan.tags.map(() => undefined)), run)
    known = plan.tags.map(() => undefined) // the holder released without storing: try to take the lock again
  }
}

/**
 * A background `swr` refresh: runs only if no other process is refreshing the same entry.
 * `heldLock`: the read that found the entry stale took its lock already (and saw every version).
 */
export async function refresh(engine: CacheEngine, plan: Plan, known: (string | undefined)[], query: Query, heldLock?: string): Promise<void> {
  if (heldLock !== undefined) {
    await (await fillFromDatabase(engine, plan, known as string[], query, heldLock)).settled
    return
  }
  if (!engine.sharedStore) {
    const result = await fillFromDatabase(engine, plan, await capture(engine, plan, known), query)
    await result.settled
    return
  }
  const lock = await acquireLock(engine, plan, known, 'fresh')
  if (!lock?.acquired) return
  if (lock.landed) await releaseLock(engine, plan, lock.token)
  else await (await fillFromDatabase(engine, plan, lock.versions, query, lock.token)).settled
}

/**
 * Runs the query and stores its result under `captured` (nothing is stored without them). The
 * caller gets the value (and how long the query took) as soon as the query answers; storing, and
 * releasing `lockToken`, happen in `settled` — inline on a memory store, where they cost no round
 * trip. Emits no `miss`: the read that counted the miss does (an `swr` refresh is none).
 */
async function fillFromDatabase(engine: CacheEngine, plan: Plan, captured: string[] | undefined, query: Query, lockToken?: string): Promise<FlightResult> {
  const startedAt = performance.now()
  let value: unknown
  try {
    value = await query()
  } catch (error) {
    if (lockToken !== undefined) void releaseLock(engine, plan, lockToken)
    throw error
  }
  const queryMs = performance.now() - startedAt
  engine.events.recordQueryTime(plan.key, queryMs)
  engine.telemetry?.observeMetrics()
  if (captured && !engine.sharedStore) {
    const later = storeInProcessLater(engine, plan, value, captured, queryMs)
    if (later) return later
  }
  const entry = serializeEntry(engine, plan, value)
  if (typeof entry === 'string') {
    if (lockToken !== undefined) void releaseLock(engine, plan, lockToken)
    if (entry === 'unserializable') return { value, copy: () => value, queryMs }
    // Too large to keep a serialized copy for the (rare) joiners: each one serializes its own.
    return { value, copy: () => deserializeValue(serializeValue(value)), queryMs }
  }
  const { serialized, size } = entry
  const copy = () => deserializeValue(serialized)
  if (!captured) {
    if (lockToken !== undefined) void releaseLock(engine, plan, lockToken)
    return { value, copy, queryMs }
  }
  if (!engine.sharedStore) {
    let deps = storeNow(engine, plan, value, serialized, size, captured)
    if (deps === LATER) deps = await store(engine, plan, value, serialized, size, captured, lockToken)
    return { value, copy, queryMs, ...(deps && { deps }) }
  }
  // The deps are known before storing whenever the plan decided them. A lookup by a non-id unique
  // field learns its row only now, with two more round trips: that store is awaited, as before
  // (a later read of the same key then always finds the entry or the flight).
  const planned = dependenciesFromPlan(engine, plan, value, captured)
  if (!Array.isArray(planned)) {
    const deps = await store(engine, plan, value, serialized, size, captured, lockToken)
    return { value, copy, queryMs, ...(deps && { deps }) }
  }
  const settled = store(engine, plan, value, serialized, size, captured, lockToken, planned).then(() => undefined, () => undefined)
  engine.inBackground(settled)
  return { value, copy, queryMs, settled, deps: planned }
}

/** Computes the dependencies (unless `planned`), writes the entry, releases the lock; never rejects. */
async function store(
  engine: CacheEngine,
  plan: Plan,
  value: unknown,
  serialized: Serialized,
  size: number,
  captured: string[],
  lockToken: string | undefined,
  planned?: [string, string][],
): Promise<[string, string][] | undefined> {
  try {
    const deps = planned ?? (await dependenciesOf(engine, plan, value, captured))
    const encoded = deps && (await encode(engine, plan, serialized, size, deps))
    if (deps && encoded) await write(engine, plan, encoded, deps, lockToken)
    else if (lockToken !== undefined) await releaseLock(engine, plan, lockToken)
    return deps
  } catch (error) {
    engine.report(error, eventOf(plan))
    if (lockToken !== undefined) await releaseLock(engine, plan, lockToken)
    return undefined
  }
}

/**
 * An in-process store's fill, with the entry encoded and stored after the caller has its answer:
 * encoding is most of a miss's own CPU (a 20-row include: ~30 µs of encoding plus the store's
 * bookkeeping, against ~7 µs for the copy taken here), and deferred to the next turn of the event
 * loop it overlaps the next read's wait for its database. The copy is what is stored, so the
 * caller may change its result at once. The store runs the write before any access to the key
 * (`deferWrite`), so every later read, here or through another client on the same store, finds
 * the entry as if it had been stored at once; and the versions were captured before the query,
 * so an entry is judged by them, whenever it lands.
 *
 * Returns `undefined` (the caller stores synchronously) when the store cannot defer a write,
 * when the dependencies need the store (a row found by another unique field), or when the result
 * holds a value only superjson knows (the copy knows only what the JSON codec decodes).
 */
function storeInProcessLater(engine: CacheEngine, plan: Plan, value: unknown, captured: string[], queryMs: number): FlightResult | undefined {
  const store = engine.guard.store
  if (!store.deferWrite || !store.setNow) return undefined
  const deps = dependenciesFromPlan(engine, plan, value, captured)
  if (!Array.isArray(deps)) return undefined
  let snapshot: unknown
  try {
    snapshot = cloneDecoded(value)
  } catch {
    return undefined
  }
  engine.inBackground(
    new Promise<void>((resolve) => {
      store.deferWrite!(plan.key, () => {
        storeSnapshot(engine, plan, snapshot, deps)
        resolve()
      })
    }),
  )
  return { value, copy: () => cloneDecoded(snapshot), queryMs, deps }
}

/** Encodes `snapshot` and stores it at once; never throws. */
function storeSnapshot(engine: CacheEngine, plan: Plan, snapshot: unknown, deps: [string, string][]): void {
  const entry = serializeEntry(engine, plan, snapshot)
  if (typeof entry !== 'string') putNow(engine, plan, entry.serialized, entry.size, deps)
}

/**
 * `value` serialized for an entry, with its size as {@link sizeWithin} counts it; or, with a
 * `skip` emitted, why it cannot be one: it cannot be serialized, or it exceeds `maxEntryBytes`.
 */
function serializeEntry(engine: CacheEngine, plan: Plan, value: unknown): { serialized: Serialized; size: number } | 'unserializable' | 'too large' {
  const { maxEntryBytes } = engine.options
  let serialized: Serialized | undefined
  try {
    serialized = serializeWithin(value, maxEntryBytes)
  } catch (error) {
    skip(engine, plan, error)
    return 'unserializable'
  }
  const size = serialized && sizeWithin(serialized.text, maxEntryBytes, engine.compressAbove)
  if (serialized === undefined || size === undefined || size > maxEntryBytes) {
    skip(engine, plan)
    return 'too large'
  }
  return { serialized, size }
}

/**
 * Stores the entry at once into an in-process store (`setNow`) when nothing about it needs a
 * promise: its dependencies follow from the plan. Returns
 * its dependencies (`undefined`: the store failed, reported), or {@link LATER} when
 * {@link store} must do it.
 */
function storeNow(engine: CacheEngine, plan: Plan, value: unknown, serialized: Serialized, size: number, captured: string[]): [string, string][] | undefined | typeof LATER {
  if (!engine.guard.store.setNow) return LATER
  const deps = dependenciesFromPlan(engine, plan, value, captured)
  if (!Array.isArray(deps)) return LATER
  return putNow(engine, plan, serialized, size, deps)
}

/** Encodes and stores the entry with `setNow`; returns `deps`, or `undefined` when the store failed (reported). */
function putNow(engine: CacheEngine, plan: Plan, serialized: Serialized, size: number, deps: [string, string][]): [string, string][] | undefined {
  const encoded = encodeUncompressed(serialized, headerOf(plan, deps), engine.options.maxEntryBytes, engine.signer, plan.key, size)
  if (encoded === undefined) {
    skip(engine, plan)
    return deps
  }
  const span = engine.telemetry?.startPut(plan.model, plan.operation, plan.key, encoded)
  try {
    engine.guard.store.setNow!(plan.key, encoded, plan.policy.ttlMs + plan.policy.swrMs)
  } catch (error) {
    span?.end(error)
    engine.report(error, eventOf(plan))
    return undefined
  }
  span?.end()
  recordSet(engine, plan, deps)
  return deps
}

const LATER = Symbol('store later')

function headerOf(plan: Plan, deps: [string, string][]): Omit<EntryHeader, 'escaped' | 'compressed' | 'compression' | 'codec'> {
  const { policy } = plan
  const now = Date.now()
  return { deps, createdAt: now, freshUntil: now + policy.ttlMs, staleUntil: now + policy.ttlMs + policy.swrMs }
}

async function encode(engine: CacheEngine, plan: Plan, serialized: Serialized, size: number, deps: [string, string][]): Promise<string | Buffer | undefined> {
 const encoded = await encodeEntry(serialized, headerOf(plan, deps), { maxBytes: engine.options.maxEntryBytes, compressAbove: engine.compressAbove }, engine.signer, plan.key, size)
  if (encoded === undefined) skip(engine, plan)
  return encoded
}

/**
 * Writes the entry and releases `lockToken`, sent together and in this order (one round trip): a
 * waiter that sees the lock gone also sees the entry.
 */
async function write(engine: CacheEngine, plan: Plan, encoded: string | Buffer, deps: [string, string][], lockToken: string | undefined): Promise<void> {
  const { policy } = plan
  const ttlMs = policy.ttlMs + policy.swrMs
  const span = engine.telemetry?.startPut(plan.model, plan.operation, plan.key, encoded)
  try {
    if (lockToken !== undefined && engine.guard.store.setAndUnlock) {
      const lock = { key: lockKey(engine.options.namespace, plan.key), token: lockToken }
      await engine.guard.call('write', (s) => s.setAndUnlock!(plan.key, encoded, ttlMs, lock)).catch(async (error: unknown) => {
        await releaseLock(engine, plan, lockToken) // the unlock may not have run; the lock expires by itself otherwise
        throw error
      })
    } else {
      await Promise.all([engine.guard.call('write', (s) => s.set(plan.key, encoded, ttlMs)), lockToken === undefined ? undefined : releaseLock(engine, plan, lockToken)])
    }
    span?.end()
    recordSet(engine, plan, deps)
  } catch (error) {
    span?.end(error)
    engine.report(error, eventOf(plan))
  }
}

function recordSet(engine: CacheEngine, plan: Plan, deps: [string, string][]): void {
  engine.events.counts.sets++
  if (engine.events.has('set')) engine.events.emit('set', { ...eventOf(plan), tags: deps.map(([tag]) => tag) })
}

/**
 * What the stored entry depends on. A `findUnique` that found its row depends on that row only;
 * anything else (lists, a lookup that found nothing) on whole models, so any create invalidates it.
 */
async function dependenciesOf(engine: CacheEngine, plan: Plan, value: unknown, captured: string[]): Promise<[string, string][] | undefined> {
  const deps = dependenciesFromPlan(engine, plan, value, captured)
  if (Array.isArray(deps)) return deps
  return (await rowTagByUniqueField(engine, plan, deps.foundByUniqueField, captured)) ?? modelLevel(plan, captured)
}

/**
 * {@link dependenciesOf} as far as the plan decides it: the dependencies, or the primary key of a
 * row found by another unique field, whose row version only the store can tell.
 */
function dependenciesFromPlan(engine: CacheEngine, plan: Plan, value: unknown, captured: string[]): [string, string][] | { foundByUniqueField: unknown } {
  const { row } = plan.deps
  if (!row || value === null || typeof value !== 'object') return modelLevel(plan, captured)
  const found = primaryKeyOf(value, engine.graph.models.get(plan.model)?.idFields)
  if (row.primaryKey !== undefined) {
    // Found by primary key: it is that row, even when `select` left the id out of the result —
    // unless the key holds a string, which the database may have matched in another spelling
    // (case, trailing spaces) than the stored row's, whose tag writes bump.
    const same = found === undefined ? !spelledLoosely(row.primaryKey) : canonicalize(found) === canonicalize(row.primaryKey)
    return same ? pick(plan, captured, [...row.tags, ...plan.userTags]) : modelLevel(plan, captured)
  }
  return found === undefined ? modelLevel(plan, captured) : { foundByUniqueField: found }
}

function modelLevel(plan: Plan, captured: string[]): [string, string][] {
  return pick(plan, captured, [...plan.deps.tags, ...plan.userTags])
}

function pick(plan: Plan, captured: string[], tags: string[]): [string, string][] {
  return tags.map((tag) => [tag, captured[plan.tags.indexOf(tag)]!])
}

/**
 * Found by another unique field (e.g. email): the row's tag is known only now, after the query.
 * Its version read now is trusted only if the model's version is still the one captured before
 * the query: every write bumps its model's tag together with its row tags, so an unchanged model
 * version proves no write to this row slipped between the query and this read.
 */
async function rowTagByUniqueField(engine: CacheEngine, plan: Plan, primaryKey: unknown, captured: string[]): Promise<[string, string][] | undefined> {
  const tag = rowTag(plan.model, primaryKey)
  const model = modelTag(plan.model)
  try {
    // In this order: the model version read after the row version proves neither moved since
    // the query (a write bumps its model's tag before its row tags).
    const [version] = await captureVersions(engine.guard, [engine.keys.version(tag, plan.bucket)], [undefined])
    const [current] = await engine.guard.call('read versions', (s) => s.mget([plan.versionKeys[plan.tags.indexOf(model)]!], true))
    if (version === undefined || current?.toString() !== captured[plan.tags.indexOf(model)]) return undefined
    return pick(plan, captured, [...plan.deps.row!.tags, ...plan.userTags]).concat([[tag, version]])
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
}

function skip(engine: CacheEngine, plan: Plan, error?: unknown): void {
  engine.events.counts.skips++
  engine.events.emit('skip', { ...eventOf(plan), ...(error !== undefined && { error: new CacheSerializationError('result cannot be serialized', error) }) })
}
