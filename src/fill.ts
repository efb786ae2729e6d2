/**
 * Filling an entry: capture the dependency versions, query the database, store the result under
 * those versions. On a shared store (Redis, tiered) the fill first takes the entry's stampede
 * lock, so N processes missing the same key run the query once; the others wait for the value.
 */
import type { CacheEngine } from './engine.js'
import { CacheSerializationError } from './errors.js'
import { modelTag, primaryKeyOf, rowTag } from './dependencies/tags.js'
import { canonicalize, versionKey } from './keys.js'
import { acquireLock, releaseLock, waitForFill } from './lock.js'
import { eventOf, type Plan } from './read-path.js'
import { deserializeValue, encodeEntry, serializeValue, type Serialized } from './serialize.js'
import type { FlightResult } from './single-flight.js'
import { captureVersions } from './versions.js'

/** Fills the entry of a miss: once per process (single-flight) and, on a shared store, once across processes. */
export async function fill(engine: CacheEngine, plan: Plan, known: (string | undefined)[]): Promise<FlightResult> {
  if (!engine.sharedStore) return fillFromDatabase(engine, plan, known)
  const deadline = Date.now() + engine.options.lockWaitMs
  let waited = false
  for (;;) {
    const lock = await acquireLock(engine, plan)
    if (lock === undefined) return fillFromDatabase(engine, plan, known)
    if (lock.landed) {
      if (lock.acquired) await releaseLock(engine, plan, lock.token)
      return lock.landed
    }
    if (lock.acquired) return fillFromDatabase(engine, plan, known, lock.token)
    if (!waited) {
      waited = true
      engine.events.counts.lockWaits++
      if (engine.events.has('lock')) engine.events.emit('lock', eventOf(plan))
    }
    const outcome = await waitForFill(engine, plan, deadline)
    if (outcome.kind === 'landed') return outcome.result
    // Waited long enough: query the database ourselves, under versions read now.
    if (outcome.kind === 'timeout') return fillFromDatabase(engine, plan, plan.tags.map(() => undefined))
    known = plan.tags.map(() => undefined) // the holder released without storing: try to take the lock again
  }
}

/** A background `swr` refresh: runs only if no other process is refreshing the same entry. */
export async function refresh(engine: CacheEngine, plan: Plan, known: (string | undefined)[]): Promise<void> {
  if (!engine.sharedStore) {
    await fillFromDatabase(engine, plan, known)
    return
  }
  const lock = await acquireLock(engine, plan)
  if (!lock?.acquired) return
  if (lock.landed) await releaseLock(engine, plan, lock.token)
  else await fillFromDatabase(engine, plan, known, lock.token)
}

/**
 * Captures versions, runs the query, stores the result. Store failures are reported, never
 * thrown. Holding the lock (`lockToken`), the store write and the lock release are sent together:
 * one round trip, and in that order, so a waiter that sees the lock gone also sees the entry.
 */
async function fillFromDatabase(engine: CacheEngine, plan: Plan, known: (string | undefined)[], lockToken?: string): Promise<FlightResult> {
  let released = false
  const release = () => {
    released = true
    return lockToken === undefined ? undefined : releaseLock(engine, plan, lockToken)
  }
  try {
    const { request } = plan
    let captured: string[] | undefined
    try {
      captured = await captureVersions(engine.guard, engine.options.namespace, plan.tags, known)
    } catch (error) {
      engine.report(error, eventOf(plan))
    }
    const value = await request.query(request.args)
    let serialized: Serialized
    try {
      serialized = serializeValue(value)
    } catch (error) {
      skip(engine, plan, error)
      return { value, copy: () => value }
    }
    const deps = captured && (await dependenciesOf(engine, plan, value, captured))
    const encoded = deps && (await encode(engine, plan, serialized, deps))
    if (deps && encoded) await Promise.all([write(engine, plan, encoded, deps), release()])
    return { value, copy: () => deserializeValue(serialized), ...(deps && { deps }) }
  } finally {
    if (!released) await release()
  }
}

async function encode(engine: CacheEngine, plan: Plan, serialized: Serialized, deps: [string, string][]): Promise<string | Buffer | undefined> {
  const { policy } = plan.request
  const now = Date.now()
  const header = { deps, createdAt: now, freshUntil: now + policy.ttlMs, staleUntil: now + policy.ttlMs + policy.swrMs }
  const encoded = await encodeEntry(serialized, header, { maxBytes: engine.options.maxEntryBytes, compressAbove: engine.compressAbove })
  if (encoded === undefined) skip(engine, plan)
  return encoded
}

async function write(engine: CacheEngine, plan: Plan, encoded: string | Buffer, deps: [string, string][]): Promise<void> {
  const { policy } = plan.request
  try {
    await engine.guard.call('write', (s) => s.set(plan.key, encoded, policy.ttlMs + policy.swrMs))
    engine.events.counts.sets++
    if (engine.events.has('set')) engine.events.emit('set', { ...eventOf(plan), tags: deps.map(([tag]) => tag) })
  } catch (error) {
    engine.report(error, eventOf(plan))
  }
}

/**
 * What the stored entry depends on. A `findUnique` that found its row depends on that row only;
 * anything else (lists, a lookup that found nothing) on whole models, so any create invalidates it.
 */
async function dependenciesOf(engine: CacheEngine, plan: Plan, value: unknown, captured: string[]): Promise<[string, string][]> {
  const pick = (tags: string[]) => tags.map((tag) => [tag, captured[plan.tags.indexOf(tag)]!] as [string, string])
  const { row, tags } = plan.deps
  const modelLevel = () => pick([...tags, ...plan.userTags])
  if (!row || value === null || typeof value !== 'object') return modelLevel()
  const { model } = plan.request
  const found = primaryKeyOf(value, engine.graph.models.get(model)?.idFields)
  if (row.primaryKey !== undefined) {
    // Found by primary key: it is that row, even when `select` left the id out of the result.
    const same = found === undefined || canonicalize(found) === canonicalize(row.primaryKey)
    return same ? pick([...row.tags, ...plan.userTags]) : modelLevel()
  }
  if (found === undefined) return modelLevel()
  return (await rowTagByUniqueField(engine, plan, found, captured)) ?? modelLevel()
}

/**
 * Found by another unique field (e.g. email): the row's tag is known only now, after the query.
 * Its version read now is trusted only if the model's version is still the one captured before
 * the query: every write bumps its model's tag together with its row tags, so an unchanged model
 * version proves no write to this row slipped between the query and this read.
 */
async function rowTagByUniqueField(engine: CacheEngine, plan: Plan, primaryKey: unknown, captured: string[]): Promise<[string, string][] | undefined> {
  const { model } = plan.request
  const { namespace } = engine.options
  const tag = rowTag(model, primaryKey)
  try {
    const [version] = await captureVersions(engine.guard, namespace, [tag], [undefined])
    const [current] = await engine.guard.call('read versions', (s) => s.mget([versionKey(namespace, modelTag(model))], true))
    if (version === undefined || current?.toString() !== captured[plan.tags.indexOf(modelTag(model))]) return undefined
    return [...plan.deps.row!.tags, ...plan.userTags].map((t) => [t, captured[plan.tags.indexOf(t)]!] as [string, string]).concat([[tag, version]])
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
}

function skip(engine: CacheEngine, plan: Plan, error?: unknown): void {
  engine.events.counts.skips++
  engine.events.emit('skip', { ...eventOf(plan), ...(error !== undefined && { error: new CacheSerializationError('result cannot be serialized', error) }) })
}
