/**
 * Holds chosen SELECTs at the database adapter's gate, to race a read against a write on purpose.
 */
import type { TestDatabase } from './database.js'

/** A gate closed for the SELECTs whose SQL contains `text`. */
export interface Hold {
  /** Resolves when the first such SELECT reached the adapter (and is being held). */
  arrived: Promise<void>
  /** Lets every held query through and opens the gate. */
  release(): void
}

/**
 * Closes `db`'s gate for SELECT statements containing `text`; every other statement passes. A
 * double-quoted name (`'"Tag"'`) also matches MySQL's backtick-quoted spelling of it.
 */
export function holdSelects(db: TestDatabase, text: string): Hold {
  const alternatives = /^"[^"]+"$/.test(text) ? [text, '`' + text.slice(1, -1) + '`'] : [text]
  let arrive!: () => void
  const arrived = new Promise<void>((resolve) => (arrive = resolve))
  db.gate.close((sql: string) => {
    const held = /^\s*SELECT/i.test(sql) && alternatives.some((alternative) => sql.includes(alternative))
    if (held) arrive()
    return held
  })
  return { arrived, release: () => db.gate.open() }
}
