/**
 * The mark a typed read method puts on the database query it runs through the layers below it:
 * the read was already served through the cache, so the query hook must only run it.
 *
 * The mark is the arguments object itself: the read method passes down a fresh copy of its
 * arguments and remembers it; Prisma hands the first query hook of a request that very object as
 * `__internalParams.args` (Prisma 7, checked by test/integration/passthrough.test.ts), and our
 * hook is the first whenever reads pass down (no extension sits below the cache then). That is
 * undocumented, so the first passthrough of a process is also marked with AsyncLocalStorage and
 * the hook checks that both marks agree. If they do, AsyncLocalStorage is no longer used: on Node 20
 * an active one runs a hook for every promise of the process, the application's own included
 * (promise-heavy code ran 2–2.5× slower after a single `run()` in a microbenchmark). If they do not,
 * AsyncLocalStorage stays the mark, as it was before — a ScopedStorage, so the hook runs only
 * while a passthrough query does.
 */
import { ScopedStorage } from '../scoped-storage.js'

type Args = Record<string, unknown> | undefined

/** How passthrough queries are recognised: still checking, by arguments identity, or by AsyncLocalStorage. */
type Mode = 'verifying' | 'identity' | 'storage'

const passedDown = new WeakSet<object>()
const storage = new ScopedStorage<true>()
let mode: Mode = 'verifying'

/**
 * Runs `query` (a Prisma promise factory, given the arguments to send) marked as passthrough. A
 * Prisma promise starts its request when `then()` is called, so `then()` is called here, inside
 * the mark.
 */
export function runPassthrough<T>(args: Args, query: (args: Record<string, unknown>) => PromiseLike<T>): Promise<T> {
  const marked = { ...args } // a fresh object per query: the same arguments may be passed down twice at once
  passedDown.add(marked)
  const run = () => new Promise<T>((resolve, reject) => void query(marked).then(resolve, reject))
  return mode === 'identity' ? run() : storage.run(true, run)
}

/** True when the query hook call `params` runs a query a typed read method already handled. */
export function isPassthrough(params: unknown): boolean {
  const sent = (params as { __internalParams?: { args?: unknown } }).__internalParams?.args
  const byIdentity = typeof sent === 'object' && sent !== null && passedDown.delete(sent)
  if (mode === 'identity') return byIdentity
  const byStorage = storage.get() === true
  // Reads still inside a scope were marked by identity too; the storage disables itself when they end.
  if (mode === 'verifying' && byStorage) mode = byIdentity ? 'identity' : 'storage'
  return byStorage || byIdentity
}

/** @internal How passthrough queries are recognised now (for tests). */
export function passthroughMode(): Mode {
  return mode
}
