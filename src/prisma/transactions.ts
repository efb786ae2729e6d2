/**
 * Transactions. Reads inside a transaction bypass the cache; writes inside one are collected and
 * invalidated only after the transaction commits (not at all on rollback, except on SQLite, where
 * reads outside the transaction may have seen and cached its uncommitted writes).
 *
 * How we see them (Prisma 7, checked by test/integration/transactions.test.ts):
 * - a query hook's parameter carries `__internalParams.transaction` (undefined outside a
 *   transaction; `{ kind: 'batch' | 'itx', id }` inside) — undocumented, so read only here;
 * - commit and rollback are invisible to query hooks, so the extension overrides `$transaction`
 *   and runs it inside an AsyncLocalStorage scope whose collector the write hooks fill (the
 *   storage is disabled again once no transaction runs: see ScopedStorage).
 */
import { ScopedStorage } from '../scoped-storage.js'

/** Tags collected by the writes of one transaction. */
export class TransactionCollector {
  readonly tags = new Set<string>()
  readonly models = new Set<string>()
}

const storage = new ScopedStorage<TransactionCollector>()

/** The transaction a query hook call belongs to, if any. */
export function transactionOf(params: unknown): { kind: string; id: unknown } | undefined {
  const internal = (params as { __internalParams?: { transaction?: { kind: string; id: unknown } } }).__internalParams
  return internal?.transaction ?? undefined
}

/** The collector of the `$transaction` call we are inside, if any. */
export function currentCollector(): TransactionCollector | undefined {
  return storage.get()
}

/**
 * Runs `transaction` with a collector of its own; after it commits, `onCommit` runs before the
 * caller sees the result; after it rolls back, `onRollback` (when given) runs before the caller
 * sees the error. A call made inside another one's scope (the outer client's `$transaction` from
 * an interactive transaction's callback, or from work such a callback left running) is a
 * transaction of its own, committed or rolled back apart from the outer one: it gets its own
 * collector, nested inside the outer scope.
 */
export async function runTransaction<T>(
  transaction: () => Promise<T>,
  onCommit: (collector: TransactionCollector) => Promise<void>,
  onRollback?: (collector: TransactionCollector) => Promise<void>,
): Promise<T> {
  const collector = new TransactionCollector()
  let result: T
  try {
    result = await storage.run(collector, transaction)
  } catch (error) {
    if (onRollback && collector.tags.size > 0) await onRollback(collector)
    throw error
  }
  await onCommit(collector)
  return result
}
