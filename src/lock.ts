/**
 * The cross-process stampede lock: `SET lockKey token NX PX lock.ttl` with a token that never
 * repeats, released by compare-and-delete so only its holder can release it. Waiters poll the
 * entry, the lock and the versions in one round trip with a short backoff (2 → 25 ms): cheaper
 * than a pub/sub round trip per waiter for the common case where the fill lands within a few
 * milliseconds. A dead holder's lock expires after `lock.ttl`; no waiter waits beyond `lock.wait`.
 */
import type { CacheEngine } from './engine.js'
import { lockKey, versionKey } from './keys.js'
import { eventOf, validEntry, type Plan } from './read-path.js'
import { decodePayload } from './serialize.js'
import type { FlightResult } from './single-flight.js'
import { newVersion } from './versions.js'

const POLL_START_MS = 2
const POLL_MAX_MS = 25

/** What waiting for another process's fill produced. */
export type WaitOutcome = { kind: 'landed'; result: FlightResult } | { kind: 'released' } | { kind: 'timeout' }

/** A lock attempt, and the entry if another process stored it since our miss. */
export interface LockAttempt {
  acquired: boolean
  token: string
  landed: FlightResult | undefined
}

/**
 * Tries to take the entry's lock and, in the same round trip (both commands are sent at once on
 * the same connection, in this order), looks at the entry again: another process may have stored
 * it and released its lock between our miss and our `SET NX` (double-checked locking without a
 * second round trip). `undefined` when the store failed (the caller queries the database).
 */
export async function acquireLock(engine: CacheEngine, plan: Plan): Promise<LockAttempt | undefined> {
  const token = newVersion()
  const taking = engine.guard.call('lock', (s) => s.add(lockKey(engine.options.namespace, plan.key), token, engine.options.lockTtlMs))
  const looking = landedSince(engine, plan)
  try {
    const acquired = await taking
    return { acquired, token, landed: await looking }
  } catch (error) {
    engine.report(error, eventOf(plan))
    await looking
    return undefined
  }
}

/** Releases the lock if we still hold it. */
export async function releaseLock(engine: CacheEngine, plan: Plan, token: string): Promise<void> {
  try {
    await engine.guard.call('unlock', (s) => s.deleteIfEquals(lockKey(engine.options.namespace, plan.key), token))
  } catch (error) {
    engine.report(error, eventOf(plan)) // the lock expires by itself after lock.ttl
  }
}

/** Polls until a valid entry lands, the lock is released, or `deadline` passes. */
export async function waitForFill(engine: CacheEngine, plan: Plan, deadline: number): Promise<WaitOutcome> {
  const ns = engine.options.namespace
  const keys = [plan.key, lockKey(ns, plan.key), ...plan.tags.map((t) => versionKey(ns, t))]
  let delay = POLL_START_MS
  while (Date.now() < deadline) {
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())))
    delay = Math.min(POLL_MAX_MS, delay * 2)
    let values
    try {
      values = await engine.guard.call('wait', (s) => s.mget(keys, true))
    } catch (error) {
      engine.report(error, eventOf(plan))
      return { kind: 'timeout' }
    }
    const [stored, lock, ...versions] = values
    const landed = stored === undefined ? undefined : await landedValue(engine, plan, stored, versions.map((v) => v?.toString()))
    if (landed) return { kind: 'landed', result: landed }
    if (lock === undefined) return { kind: 'released' }
  }
  return { kind: 'timeout' }
}

/** A fresh valid entry in the store right now (read consistently), if any. */
async function landedSince(engine: CacheEngine, plan: Plan): Promise<FlightResult | undefined> {
  const keys = [plan.key, ...plan.tags.map((t) => versionKey(engine.options.namespace, t))]
  let values
  try {
    values = await engine.guard.call('lock check', (s) => s.mget(keys, true))
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
  const [stored, ...versions] = values
  return stored === undefined ? undefined : landedValue(engine, plan, stored, versions.map((v) => v?.toString()))
}

async function landedValue(engine: CacheEngine, plan: Plan, stored: NonNullable<Parameters<typeof validEntry>[2]>, versions: (string | undefined)[]): Promise<FlightResult | undefined> {
  try {
    const entry = await validEntry(engine, plan, stored, versions, true)
    if (!entry || Date.now() >= entry.header.freshUntil) return undefined
    const value = await decodePayload(entry)
    return { value, copy: () => decodePayload(entry), deps: entry.header.deps }
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
