/**
 * Serving a valid entry — the one function every hit goes through (in-process, from the store,
 * to a lock waiter): decode a fresh copy, tell a running `getOrSet` what it depended on, count,
 * emit, and describe the answer for `withCacheInfo()`.
 */
import { decodePayload, type ParsedEntry } from '../codec/entry.js'
import type { CacheEngine } from '../engine.js'
import { currentTracker } from '../kv/tracking.js'
import type { StoreValue } from '../stores/store.js'
import type { CacheInfo } from '../types.js'
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
 * Serves `entry` (already judged valid; `raw` is its stored form) as a hit or a stale hit. With
 * `results: 'frozen'`, the value decoded from the same stored form is shared. Synchronous for an
 * uncompressed entry, so an in-memory hit pays for no promise; throws `CacheSerializationError` when the
 * payload cannot be decoded (the caller treats it as a miss).
 */
export function serveEntry(engine: CacheEngine, plan: Plan, raw: StoreValue, entry: ParsedEntry, freshness: Freshness, startedAt: number): ReadOutcome | Promise<ReadOutcome> {
  const { frozen } = engine
  if (frozen) {
    const shared = frozen.get(plan.key, raw)
    if (shared !== undefined) return outcome(engine, plan, entry, freshness, startedAt, shared)
  }
  const decoded = decodePayload(entry)
  const keep = (value: unknown) => (frozen ? frozen.hold(plan.key, raw, value) : value)
  if (decoded instanceof Promise) return decoded.then((value) => outcome(engine, plan, entry, freshness, startedAt, keep(value)))
  return outcome(engine, plan, entry, freshness, startedAt, keep(decoded))
}

function outcome(engine: CacheEngine, plan: Plan, entry: ParsedEntry, freshness: Freshness, startedAt: number, value: unknown): ReadOutcome {
  currentTracker()?.record(entry.header.deps)
  const now = Date.now()
  const name = freshness === 'fresh' ? 'hit' : 'stale'
  const savedMs = engine.events.countRead(name, plan.model, plan.operation, plan.key)
  if (engine.events.has(name)) engine.events.emit(name, { ...eventOf(plan), durationMs: performance.now() - startedAt, ...(name === 'hit' && { savedMs }) })
  const info: CacheInfo = { status: freshness === 'fresh' ? 'hit' : 'stale', key: plan.key, age: now - entry.header.createdAt, ttl: plan.policy.ttlMs / 1000 }
  return { value, info }
}
