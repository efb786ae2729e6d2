/**
 * Whether a stored entry may still be served — the one rule, used by the in-process hit, the
 * store read, lock waiters and the key/value API. An entry records the version of every tag it
 * depends on, captured before its value was computed; it is valid while each of those versions is
 * still current and its stale window has not passed.
 */
import type { EntryHeader, ParsedEntry } from '../codec/entry.js'
import type { CacheEngine } from '../engine.js'
import type { StoreValue } from '../stores/store.js'
import type { Plan } from './plan.js'

/** How a valid entry may be served. */
export type Freshness = 'fresh' | 'stale'

type Dependency = [tag: string, version: string]
const NONE: Dependency[] = []

/** `'fresh'`, `'stale'` (inside its swr window) or `undefined` (expired) at `now`. */
function freshnessAt(header: EntryHeader, now: number): Freshness | undefined {
  if (now < header.freshUntil) return 'fresh'
  return now < header.staleUntil ? 'stale' : undefined
}

/** True when every recorded version equals the current one (`current[i]` for `deps[i]`). */
export function versionsMatch(deps: readonly Dependency[], current: readonly (StoreValue | undefined)[]): boolean {
  return deps.every(([, version], i) => current[i]?.toString() === version)
}

/**
 * Compares an entry's recorded versions with `versionAt(i)`, the current version of
 * `plan.tags[i]`: `false` when one moved; otherwise the recorded dependencies that are not among
 * the plan's tags (a row tag learned at fill time), which still have to be checked.
 */
function dependenciesOutsidePlan(plan: Plan, deps: readonly Dependency[], versionAt: (i: number) => string | undefined): Dependency[] | false {
  let outside: Dependency[] | undefined
  for (const dep of deps) {
    const i = plan.tags.indexOf(dep[0])
    if (i < 0) (outside ??= []).push(dep)
    else if (versionAt(i) !== dep[1]) return false
  }
  return outside ?? NONE
}

/**
 * The freshness of `entry` for `plan` using only what is in process memory: `undefined` when it is
 * expired or a version moved, `'unknown'` when a dependency outside the plan is not held locally.
 */
export function checkEntryLocally(engine: CacheEngine, plan: Plan, entry: ParsedEntry, versionAt: (i: number) => string | undefined, now: number): Freshness | undefined | 'unknown' {
  const freshness = freshnessAt(entry.header, now)
  if (!freshness) return undefined
  const outside = dependenciesOutsidePlan(plan, entry.header.deps, versionAt)
  if (outside === false) return undefined
  if (outside.length === 0) return freshness
  const current = engine.guard.store.peek?.(outside.map(([tag]) => engine.keys.version(tag, plan.bucket)))
  if (!current) return 'unknown'
  return versionsMatch(outside, current) ? freshness : undefined
}

/**
 * The freshness of `entry` for `plan`, reading the versions of dependencies outside the plan from
 * the store when they are not held locally. `consistent` skips process-local copies (lock waiters
 * need the shared truth). Store failures reject.
 */
export async function checkEntry(engine: CacheEngine, plan: Plan, entry: ParsedEntry, versionAt: (i: number) => string | undefined, now: number, consistent = false): Promise<Freshness | undefined> {
  const local = consistent ? undefined : checkEntryLocally(engine, plan, entry, versionAt, now)
  if (local !== 'unknown' && !consistent) return local
  const freshness = freshnessAt(entry.header, now)
  if (!freshness) return undefined
  const outside = dependenciesOutsidePlan(plan, entry.header.deps, versionAt)
  if (outside === false) return undefined
  if (outside.length === 0) return freshness
  const keys = outside.map(([tag]) => engine.keys.version(tag, plan.bucket))
  const current = await engine.guard.call('read versions', (s) => s.mget(keys, consistent))
  return versionsMatch(outside, current) ? freshness : undefined
}
