/**
 * Invalidation: replacing the versions of tags in the store. A failed replacement is retried with
 * backoff until the store takes it; meanwhile reads depending on a pending tag bypass the cache,
 * so this process never serves what the failed invalidation should have replaced.
 */
import { bumpVersions } from '../dependencies/versions.js'
import type { StoreGuard } from '../stores/guard.js'
import type { KeyLayout } from '../codec/key-layout.js'

const RETRY_MIN_MS = 50
const RETRY_MAX_MS = 5000

/** Replaces tag versions, retrying failures. */
export class Invalidator {
  /** Tags whose invalidation has not reached the store yet. */
  readonly pendingTags = new Set<string>()
  readonly #guard: StoreGuard
  readonly #keys: KeyLayout
  readonly #report: (error: unknown, tags: string[]) => void
  #retryTimer: NodeJS.Timeout | undefined
  #retryDelayMs = RETRY_MIN_MS

  constructor(guard: StoreGuard, keys: KeyLayout, report: (error: unknown, tags: string[]) => void) {
    this.#guard = guard
    this.#keys = keys
    this.#report = report
  }

  /** True when any of `tags` has an invalidation still waiting to reach the store. */
  hasPending(tags: readonly string[]): boolean {
    if (this.pendingTags.size === 0) return false
    return tags.some((tag) => this.pendingTags.has(tag))
  }

  /** Replaces the versions of `tags`; resolves once the store has them, or once a retry is scheduled. Never rejects. */
  async invalidate(tags: readonly string[]): Promise<void> {
    try {
      await bumpVersions(this.#guard, this.#keys, tags)
    } catch (error) {
      this.#report(error, [...tags])
      for (const tag of tags) this.pendingTags.add(tag)
      this.#scheduleRetry()
    }
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) return
    this.#retryTimer = setTimeout(() => void this.#retry(), this.#retryDelayMs)
    this.#retryTimer.unref()
  }

  async #retry(): Promise<void> {
    this.#retryTimer = undefined
    const tags = [...this.pendingTags]
    try {
      await bumpVersions(this.#guard, this.#keys, tags)
      for (const tag of tags) this.pendingTags.delete(tag)
      this.#retryDelayMs = RETRY_MIN_MS
    } catch (error) {
      this.#report(error, tags)
      this.#retryDelayMs = Math.min(RETRY_MAX_MS, this.#retryDelayMs * 2)
    }
    if (this.pendingTags.size > 0) this.#scheduleRetry()
  }
}
