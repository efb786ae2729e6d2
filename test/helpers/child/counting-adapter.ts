/**
 * A PrismaPg driver adapter for child processes that counts every statement it sends to
 * PostgreSQL and can hold chosen SELECTs at a gate (so a lock holder's query hangs until the
 * parent kills the process). Counting here, below Prisma, sees every execution whatever the cache did.
 */
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils'

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
  const inner = new PrismaPg({ connectionString })
  let held: { text: string; onHeld: () => void; arrived: boolean } | undefined
  const state: CountingAdapter = {
    executions: 0,
    hold(text, onHeld) {
      held = { text, onHeld, arrived: false }
    },
    factory: {
      provider: inner.provider,
      adapterName: inner.adapterName,
      async connect() {
        return wrap(await inner.connect())
      },
    },
  }
  const gate = async (query: SqlQuery) => {
    if (held && /^\s*SELECT/i.test(query.sql) && query.sql.includes(held.text)) {
      if (!held.arrived) {
        held.arrived = true
        held.onHeld()
      }
      await new Promise(() => {}) // never released: the process is killed while it waits
    }
    state.executions++
  }
  const wrap = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    new Proxy(adapter, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown
        if (prop === 'queryRaw' || prop === 'executeRaw') {
          return async (query: SqlQuery) => {
            await gate(query)
            return (value as (q: SqlQuery) => Promise<unknown>).call(target, query)
          }
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
  return state
}
