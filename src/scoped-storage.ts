/**
 * An AsyncLocalStorage that is enabled only while one of its scopes runs. On Node 20 (and 22
 * without AsyncContextFrame) an enabled AsyncLocalStorage installs a promise hook that every
 * promise of the process pays for, the application's own included, until the storage is
 * disabled: one `$transaction`, `withCacheInfo()` or `getOrSet()` used to leave it on for good
 * (`bench/promise-hooks.ts`: promise-heavy code ~3× slower). Disabled again when its last scope
 * ends. Work a scope left running after it ended (a promise it did not await) sees no value while
 * no scope runs, but its own scope's value again while any other scope runs (the continuation
 * still carries it): code reading the value must not depend on which it gets.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export class ScopedStorage<T> {
  readonly #storage = new AsyncLocalStorage<T>()
  #active = 0

  /** The value of the scope we are inside, if any (free while no scope runs). */
  get(): T | undefined {
    return this.#active === 0 ? undefined : this.#storage.getStore()
  }

  /** Runs `fn` in a scope holding `value`, until the promise it returns settles. */
  async run<R>(value: T, fn: () => R | PromiseLike<R>): Promise<Awaited<R>> {
    this.#active++
    try {
      return await this.#storage.run(value, fn)
    } finally {
      if (--this.#active === 0) this.#storage.disable()
    }
  }
}
