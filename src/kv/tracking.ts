/**
 * Dependency tracking for `$cache.getOrSet()`: every Prisma read made inside its function (cached
 * or not) records the dependency versions it was computed under, so the composite entry is
 * stored under them and a later write to any of those models invalidates it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

/** The dependencies seen while one `getOrSet` function ran. */
export class DependencyTracker {
  /** The first version seen of each tag (a later, different one means the entry is already stale). */
  readonly versions = new Map<string, string>()
  /** Set when some read's versions are unknown (store failure): the result must not be stored. */
  incomplete = false

  record(deps: Iterable<readonly [string, string | undefined]>): void {
    for (const [tag, version] of deps) {
      if (version === undefined) this.incomplete = true
      else if (!this.versions.has(tag)) this.versions.set(tag, version)
    }
  }
}

const storage = new AsyncLocalStorage<DependencyTracker>()
let active = 0

/** The tracker of the `getOrSet` call we are inside, if any (free when none is running). */
export function currentTracker(): DependencyTracker | undefined {
  return active === 0 ? undefined : storage.getStore()
}

/** Runs `fn` while recording the dependencies of the reads it makes. */
export async function track<T>(fn: () => T | Promise<T>): Promise<{ value: T; tracker: DependencyTracker }> {
  const tracker = new DependencyTracker()
  active++
  try {
    const value = await storage.run(tracker, fn)
    return { value, tracker }
  } finally {
    active--
  }
}
