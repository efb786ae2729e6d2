/**
 * Serving a valid entry as a hit or a stale hit — the one function every read answered from a
 * stored entry goes through (the in-process peek and the store lookup alike): produce the value,
 * tell a running `getOrSet` what it depended on, count, emit, and describe the answer for
 * `withCacheInfo()`. Two answers do not come from here: a lock waiter takes the entry another
 * process stored as the result of its miss (lock.ts decodes it), and a read joining a finished
 * in-process flight counts and emits its hit itself (pipeline.ts `join`).
 */
import { decodeText, parseEntry, payloadText, type ParsedEntry } from '../codec/entry.js'
import type { CacheEngine } from '../engine.js'
import { currentTracker } from '../kv/tracking.js'
import type { StoreValue } from '../stores/store.js'
import type { CacheInfo } from '../types.js'
import type { Held } from './decoded.js'
import { eventOf, type Plan } from './plan.js'
import type { Freshness } from './validity.js'

/** The value of a read and how it was served. */
export interface ReadOutcome {
  value: unknown
  info: CacheInfo
  /** A hit's stored form (its size is measured only when a telemetry span wants it). */
  stored?: StoreValue
}

/**
 * Serves `entry` (already judged valid; `raw` is its stored form) as a hit or a stale hit. `held`
 * is what `engine.decoded` holds for `raw` (see {@link parsedEntry}): a fresh copy of its value,
 * or with `results: 'frozen'` the shared frozen value, is served; when nothing is held the
 * payload is decoded and held. Synchronous, so an in-memory hit pays for no promise; throws
 * `CacheSerializationError` when the payload cannot be decoded (the caller treats it as a miss).
 */
export function serveEntry(
  engine: CacheEngine,
  plan: Plan,
  raw: StoreValue,
  entry: ParsedEntry,
  freshness: Freshness,
  startedAt: number,
  held: Held | undefined,
): ReadOutcome {
  const { decoded } = engine
  if (held !== undefined) return outcome(engine, plan, entry, freshness, startedAt, decoded.valueOf(held))
  const { header } = entry
  const text = payloadText(entry)
  const value = decoded.hold(plan.key, raw, entry, decodeText(text, header), text.length, header.codec ?? 'superjson')
  return outcome(engine, plan, entry, freshness, startedAt, value)
}

/**
 * `raw` (the stored value of `plan`'s entry) parsed: taken from what is held for it when its
 * result was decoded before — the same stored value parses the same, and its MAC was checked then —
 * else parsed now. A hit of a held result so skips parsing its header.
 */
export function parsedEntry(engine: CacheEngine, plan: Plan, raw: StoreValue): { entry: ParsedEntry; held: Held | undefined } {
  const held = engine.decoded.find(plan.key, raw)
  return { entry: held?.entry ?? parseEntry(raw, engine.signer, plan.key), held }
}

function outcome(engine: CacheEngine, plan: Plan, entry: ParsedEntry, freshness: Freshness, startedAt: number, value: unknown): ReadOutcome {
  currentTracker()?.record(entry.header.deps, plan.bucket)
  const now = Date.now()
  const name = freshness === 'fresh' ? 'hit' : 'stale'
  const savedMs = engine.events.countRead(name, plan.model, plan.operation, plan.key)
  if (engine.events.has(name)) engine.events.emit(name, { ...eventOf(plan), durationMs: performance.now() - startedAt, ...(name === 'hit' && { savedMs }) })
  const info: CacheInfo = { status: freshness === 'fresh' ? 'hit' : 'stale', key: plan.key, age: now - entry.header.createdAt, ttl: plan.policy.ttlMs / 1000 }
  return { value, info }
}
