/**
 * Dependency tracking for `$cache.getOrSet()`: every Prisma read made inside its function (cached
 * or not) records the dependency versions it was computed under, so the composite entry is
 * stored under them and a later write to any of those models invalidates it.
 */
import type { KeyLayout } from '../codec/key-layout.js'
import { ScopedStorage } from '../scoped-storage.js'

/** The dependencies seen while one `getOrSet` function ran. */
export class DependencyTracker {
  /** The first version seen of each tag (a later, different one means the entry is already stale). */
  readonly versions = new Map<string, string>()
  /** Set when some read's versions are unknown (store failure): the result must not be stored. */
  incomplete = false

  /**
   * @param home - the bucket of the entry being computed (see `KeyLayout`): uncached reads capture
   * their versions there, and versions read in another bucket are recorded with theirs.
   */
  constructor(readonly home: number, readonly keys: KeyLayout) {}

  /** Records `deps` as read from the version copies of bucket `from`. */
  record(deps: Iterable<readonly [string, string | undefined]>, from = this.home): void {
    for (const [dep, version] of deps) {
      const tag = this.keys.qualify(dep, from, this.home)
      if (version === undefined) this.incomplete = true
      else if (!this.versions.has(tag)) this.versions.set(tag, version)
    }
  }
}

const storage = new ScopedStorage<DependencyTracker>()

/** The tracker of the `getOrSet` call we are inside, if any (free when none is running). */
export function currentTracker(): DependencyTracker | undefined {
  return storage.get()
}

/** Runs `fn` while recording the dependencies of the reads it makes. */
export async function track<T>(fn: () => T | Promise<T>, home: number, keys: KeyLayout): Promise<{ value: T; tracker: DependencyTracker }> {
  const tracker = new DependencyTracker(home, keys)
  // Awaited inside the scope: a Prisma read is lazy and starts only when `then` is called, which
  // for a query `fn` returns without awaiting it would otherwise happen outside, untracked.
  const value = await storage.run(tracker, async () => await fn())
  return { value, tracker }
}
