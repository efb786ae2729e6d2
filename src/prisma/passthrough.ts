/**
 * The mark a typed read method puts on the database query it runs through the layers below it:
 * the read was already served through the cache, so the query hook must only run it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

const passthrough = new AsyncLocalStorage<true>()

/** True inside a query a typed read method already handled. */
export function isPassthrough(): boolean {
  return passthrough.getStore() === true
}

/**
 * Runs `query` (a Prisma promise factory) marked as passthrough. A Prisma promise starts its
 * request when `then()` is called, so `then()` is called here, inside the mark.
 */
export function runPassthrough<T>(query: () => PromiseLike<T>): Promise<T> {
  return passthrough.run(true, () => new Promise<T>((resolve, reject) => void query().then(resolve, reject)))
}
