/**
 * Versions of dependency tags. A version is a token that never repeats (a random process prefix
 * plus a counter), so a version key that expired and was created again can never match an entry
 * stored under the old one. Versions are captured *before* the database read, and an entry is
 * valid only while every captured version is still current; invalidating replaces the token.
 */
import { randomBytes } from 'node:crypto'
import { CacheStoreError } from '../errors.js'
import type { KeyLayout } from '../codec/key-layout.js'
import type { StoreGuard } from '../stores/guard.js'

const PROCESS_PREFIX = randomBytes(6).toString('base64url')
let counter = 0

/** A version token unique across processes and time. */
export function newVersion(): string {
  return PROCESS_PREFIX + (counter++).toString(36)
}

/** How long version keys live. Entries that outlive their versions become misses, never stale hits. */
export const VERSION_TTL_MS = 24 * 60 * 60 * 1000

/**
 * Returns the current version held under each of `keys` (version keys), creating the absent ones.
 * `known` holds versions already read in the same round trip as the entry (undefined where absent).
 */
export async function captureVersions(guard: StoreGuard, keys: readonly string[], known: readonly (string | undefined)[]): Promise<string[]> {
  const missing: number[] = []
  keys.forEach((_, i) => {
    if (known[i] === undefined) missing.push(i)
  })
  if (missing.length === 0) return known as string[]
  const fresh = missing.map(() => newVersion())
  const created = await guard.call('capture versions', (s) => s.getOrInit(missing.map((i) => keys[i]!), fresh, VERSION_TTL_MS))
  const out = [...known] as string[]
  missing.forEach((i, j) => (out[i] = created[j]!))
  return out
}

/**
 * Replaces the version of every tag (in every bucket's copy, with the same token); resolves once
 * the store has it. When the store refuses the new versions for lack of memory, the old ones are
 * deleted if it allows that, and the failure is still thrown (the caller reports it and retries). A Redis at `maxmemory` with `noeviction` refuses every SET but
 * accepts deletes: without them, another process would keep serving entries recorded under the
 * old versions. An absent version matches no entry, and the next read creates a fresh one.
 */
export async function bumpVersions(guard: StoreGuard, keys: KeyLayout, tags: readonly string[]): Promise<void> {
  if (tags.length === 0) return
  const entries = tags.flatMap((tag) => {
    const version = newVersion()
    return keys.everyVersion(tag).map((key) => [key, version] as [string, string])
  })
  try {
    await guard.call('invalidate', (s) => s.setMany(entries, VERSION_TTL_MS), true)
  } catch (error) {
    // Only when the server answered (a down or silent server would cost a second deadline).
    if (error instanceof CacheStoreError && /\bOOM\b/.test(String((error.cause as Error | undefined)?.message))) {
      await guard.call('invalidate', (s) => s.delete(entries.map(([key]) => key)), true).catch(() => {})
    }
    throw error
  }
}
