/**
 * A Prisma-promise look-alike that runs its function on the first `then()`, like Prisma's own
 * promises: `withAccelerateInfo()` is typed as a `PrismaPromise`, and a read that is never
 * awaited never runs. In a batch `$transaction`, Prisma calls `requestTransaction()` instead of
 * `then()`: without it Prisma would await the promise outside the batch, whose other queries then
 * wait for it forever.
 */
import type { Prisma } from '@prisma/client/extension'

/** A lazy promise tagged `PrismaPromise`. */
export class LazyPrismaPromise<T> implements Prisma.PrismaPromise<T> {
  readonly [Symbol.toStringTag] = 'PrismaPromise' as const
  readonly #run: () => Promise<T>
  readonly #inTransaction: (batch: unknown) => Promise<T>
  #started: Promise<T> | undefined

  /** `inTransaction` runs it as a query of a batch `$transaction` (Prisma's batch descriptor). */
  constructor(run: () => Promise<T>, inTransaction: (batch: unknown) => Promise<T>) {
    this.#run = run
    this.#inTransaction = inTransaction
  }

  /** Called by Prisma's batch `$transaction` in place of `then()`. */
  requestTransaction(batch: unknown): Promise<T> {
    return (this.#started ??= this.#inTransaction(batch))
  }

  then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#start().then(onFulfilled, onRejected)
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#start().catch(onRejected)
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#start().finally(onFinally)
  }

  #start(): Promise<T> {
    return (this.#started ??= this.#run())
  }
}
