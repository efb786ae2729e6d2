/**
 * Invalidation: replacing the versions of tags in the store. A failed replacement is retried with
 * backoff until the store takes it; meanwhile reads depending on a pending tag bypass the cache,
 * so this process never serves what the failed invalidation should have replaced.
 *
 * Each pending tag counts its failures. A retry that succeeds clears only the tags whose count is
 * the one it started with: a write that failed while the retry was on its way may have committed
 * after the retry's new version reached the store, so its tag stays pending for the next retry.
 */
import { bumpVersions } from '../dependencies/versions.js'
import type { StoreGuard } from '../stores/guard.js'
import type { KeyLayout } from '../codec/key-layout.js'

const RETRY_MIN_MS = 50
const RETRY_MAX_MS = 5000

/** Replaces tag versions, retrying failures. */
export class Invalidator {
  /** Tags whose invalidation has not reached the store yet, each with the number of failures so far. */
  readonly #pending = new Map<string, number>()
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
    if (this.#pending.size === 0) return false
    return tags.some((tag) => this.#pending.has(tag))
  }

  /** Replaces the versions of `tags`; resolves once the store has them, or once a retry is scheduled. Never rejects. */
  async invalidate(tags: readonly string[]): Promise<void> {
    try {
      await bumpVersions(this.#guard, this.#keys, tags)
    } catch (error) {
      this.#report(error, [...tags])
      for (const tag of tags) this.#pending.set(tag, (this.#pending.get(tag) ?? 0) + 1)
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
    const started = new Map(this.#pending)
    const tags = [...started.keys()]
    try {
      await bumpVersions(this.#guard, this.#keys, tags)
      for (const [tag, failures] of started) {
        if (this.#pending.get(tag) === failures) this.#pending.delete(tag)
      }
      this.#retryDelayMs = RETRY_MIN_MS
    } catch (error) {
      this.#report(error, tags)
      this.#retryDelayMs = Math.min(RETRY_MAX_MS, this.#retryDelayMs * 2)
    }
    if (this.#pending.size > 0) this.#scheduleRetry()
  }
}
