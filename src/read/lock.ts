/**
 * The cross-process stampede lock: `SET lockKey token NX PX lock.ttl` with a token that never
 * repeats, released by compare-and-delete so only its holder can release it. Waiters poll the
 * entry, the lock and the versions in one round trip with a short backoff (2 → 25 ms): cheaper
 * than a pub/sub round trip per waiter for the common case where the fill lands within a few
 * milliseconds. A dead holder's lock expires after `lock.ttl`; no waiter waits beyond `lock.wait`.
 */
import { decodePayload, parseEntry } from '../codec/entry.js'
import { lockKey } from '../codec/keys.js'
import { newVersion } from '../dependencies/versions.js'
import type { CacheEngine } from '../engine.js'
import { CacheTimeoutError } from '../errors.js'
import type { StoreValue } from '../stores/store.js'
import { capture } from './capture.js'
import { eventOf, type Plan } from './plan.js'
import type { FlightResult } from './single-flight.js'
import { checkEntry } from './validity.js'

const POLL_START_MS = 2
const POLL_MAX_MS = 25

/** What waiting for another process's fill produced. */
export type WaitOutcome = { kind: 'landed'; result: FlightResult } | { kind: 'released' } | { kind: 'gave-up' }

/** A lock attempt, the entry if another process stored it since our miss, and the versions captured meanwhile. */
export interface LockAttempt {
  acquired: boolean
  token: string
  landed: FlightResult | undefined
  /** The plan's versions, missing ones created; `undefined` if that part failed (reported). */
  versions: string[] | undefined
}

/**
 * What a landed entry must be for the one waiting: a miss takes any valid entry (`'valid'`: fresh,
 * or stale within `swr` — with `ttl: 0` what a holder stores is stale at once); a refresh only a
 * fresh one (`'fresh'`: the stale entry it replaces must not count as landed).
 */
export type Landing = 'valid' | 'fresh'

/**
 * Takes the entry's lock, looks at the entry again (another process may have stored it and
 * released its lock between our miss and our `SET NX`: double-checked locking) and creates the
 * missing versions — all sent at once, so one round trip. `undefined` when the lock could not
 * be asked for (the caller queries the database). `landing`: which entry counts as landed.
 */
export async function acquireLock(engine: CacheEngine, plan: Plan, known: (string | undefined)[], landing: Landing): Promise<LockAttempt | undefined> {
  const token = newVersion()
  const taking = engine.guard.call('lock', (s) => s.add(lockKey(engine.options.namespace, plan.key), token, engine.options.lockTtlMs))
  const looking = landedSince(engine, plan, landing)
  const capturing = capture(engine, plan, known)
  try {
    const acquired = await taking
    return { acquired, token, landed: await looking, versions: await capturing }
  } catch (error) {
    engine.report(error, eventOf(plan))
    releaseIfTaken(engine, plan, token, error)
    await Promise.all([looking, capturing])
    return undefined
  }
}

/**
 * After a lock request that failed: one that timed out may have been carried out all the same
 * (the reply was late, not the command), and a lock nobody releases would hold every other
 * process's miss for `lock.wait`. Released in the background; a failure is reported.
 */
export function releaseIfTaken(engine: CacheEngine, plan: Plan, token: string, error: unknown): void {
  if (error instanceof CacheTimeoutError) engine.inBackground(releaseLock(engine, plan, token))
}

/** Releases the lock if we still hold it. Never rejects. */
export async function releaseLock(engine: CacheEngine, plan: Plan, token: string): Promise<void> {
  try {
    await engine.guard.call('unlock', (s) => s.deleteIfEquals(lockKey(engine.options.namespace, plan.key), token))
  } catch (error) {
    engine.report(error, eventOf(plan)) // the lock expires by itself after lock.ttl
  }
}

/** Polls (for a miss) until a valid entry lands, the lock is released, or `deadline` passes. */
export async function waitForFill(engine: CacheEngine, plan: Plan, deadline: number): Promise<WaitOutcome> {
  const keys = [plan.key, lockKey(engine.options.namespace, plan.key), ...plan.versionKeys]
  let delay = POLL_START_MS
  while (Date.now() < deadline) {
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())))
    delay = Math.min(POLL_MAX_MS, delay * 2)
    let values
    try {
      values = await engine.guard.call('wait', (s) => s.mget(keys, true))
    } catch (error) {
      engine.report(error, eventOf(plan))
      return { kind: 'gave-up' }
    }
    const [stored, lock, ...versions] = values
    const landed = stored === undefined ? undefined : await landedValue(engine, plan, stored, versions.map((v) => v?.toString()), 'valid')
    if (landed) return { kind: 'landed', result: landed }
    if (lock === undefined) return { kind: 'released' }
  }
  return { kind: 'gave-up' }
}

/** An entry in the store right now (read consistently) that counts as landed, if any. */
async function landedSince(engine: CacheEngine, plan: Plan, landing: Landing): Promise<FlightResult | undefined> {
  let values
  try {
    values = await engine.guard.call('lock check', (s) => s.mget(plan.lookupKeys, true))
  } catch (error) {
    engine.report(error, eventOf(plan))
    return undefined
  }
  const [stored, ...versions] = values
  return stored === undefined ? undefined : landedValue(engine, plan, stored, versions.map((v) => v?.toString()), landing)
}

/** The entry another process stored, served to this waiter, when it is valid (and fresh, if `landing` says so). */
async function landedValue(engine: CacheEngine, plan: Plan, stored: StoreValue, versions: (string | undefined)[], landing: Landing): Promise<FlightResult | undefined> {
  try {
    const entry = parseEntry(stored, engine.signer, plan.key)
    const freshness = await checkEntry(engine, plan, entry, (i) => versions[i], Date.now(), true)
    if (freshness === undefined || (landing === 'fresh' && freshness !== 'fresh')) return undefined
    // Decoded, not served: the waiter's read counts as a miss (it waited for a database query).
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
