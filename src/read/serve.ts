/**
 * Serving a valid entry as a hit or a stale hit — the one function every read answered from a
 * stored entry goes through (the in-process peek and the store lookup alike): produce the value,
 * tell a running `getOrSet` what it depended on, count, emit, and describe the answer for
 * `withCacheInfo()`. Two answers do not come from here: a lock waiter takes the entry another
 * process stored as the result of its miss (lock.ts decodes it), and a read joining a finished
 * in-process flight counts and emits its hit itself (pipeline.ts `join`).
 */
import { decodeText, payloadText, type ParsedEntry } from '../codec/entry.js'
import type { CacheEngine } from '../engine.js'
import { currentTracker } from '../kv/tracking.js'
import type { StoreValue } from '../stores/store.js'
import type { CacheInfo } from '../types.js'
import { NOT_HELD } from './decoded.js'
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
 * Serves `entry` (already judged valid; `raw` is its stored form) as a hit or a stale hit. The
 * value decoded from the same stored form earlier is reused when held (`engine.decoded`): a fresh
 * copy of it, or with `results: 'frozen'` the shared frozen value; otherwise the payload is
 * decoded and held. Synchronous, so an in-memory hit pays for no promise; throws
 * `CacheSerializationError` when the payload cannot be decoded (the caller treats it as a miss).
 */
export function serveEntry(engine: CacheEngine, plan: Plan, raw: StoreValue, entry: ParsedEntry, freshness: Freshness, startedAt: number): ReadOutcome {
  const { decoded } = engine
  const held = decoded.get(plan.key, raw)
  if (held !== NOT_HELD) return outcome(engine, plan, entry, freshness, startedAt, held)
  const { header } = entry
  const text = payloadText(entry)
  const value = decoded.hold(plan.key, raw, decodeText(text, header), text.length, header.codec ?? 'superjson')
  return outcome(engine, plan, entry, freshness, startedAt, value)
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
