/**
 * A PrismaPg driver adapter for child processes that counts every statement it sends to
 * PostgreSQL and can hold chosen SELECTs at a gate (so a lock holder's query hangs until the
 * parent kills the process). Counting here, below Prisma, sees every execution whatever the cache did.
 */
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import { countingAdapterFactory } from '../counting-adapter.js'

/** The adapter factory with its counter and gate. */
export interface CountingAdapter {
  factory: SqlDriverAdapterFactory
  /** Statements sent since the last reset. */
  executions: number
  /** Holds every later SELECT whose SQL contains `text`; `onHeld` runs when the first one arrives. */
  hold(text: string, onHeld: () => void): void
}

/** Wraps a PrismaPg factory for `connectionString`. */
export function countingAdapter(connectionString: string): CountingAdapter {
  let held: { text: string; onHeld: () => void; arrived: boolean } | undefined
  const state: CountingAdapter = {
    executions: 0,
    hold(text, onHeld) {
      held = { text, onHeld, arrived: false }
    },
    factory: countingAdapterFactory(connectionString, async (query, execute) => {
      if (held && /^\s*SELECT/i.test(query.sql) && query.sql.includes(held.text)) {
        if (!held.arrived) {
          held.arrived = true
          held.onHeld()
        }
        await new Promise(() => {}) // never released: the process is killed while it waits
      }
      state.executions++
      return execute()
    }),
  }
  return state
}
