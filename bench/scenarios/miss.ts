/**
 * The miss path: caching on, every key new (a filter that never matches anything extra makes each
 * call's arguments unique), so each call pays key derivation, the store lookup, the database
 * query and the store write. Raw Prisma runs the very same arguments.
 */
import { read, type Workload } from '../helpers/workload.js'
import { includeArgs } from './find-many-include-hit.js'

let sequence = 0

/** findUnique with a key never seen before. */
export const findUniqueMiss: Workload = {
  id: 'findUnique-miss',
  title: 'findUnique miss (new key each call)',
  group: 'miss',
  async setup(instance, data) {
    return () => {
      const n = sequence++
      return read(instance, 'user', 'findUnique', { where: { id: 1 + (n % data.users), name: { not: `miss-${data.runToken}-${n}` } } })
    }
  },
}

/** findMany with include (20 rows) with a key never seen before. */
export const findManyIncludeMiss: Workload = {
  id: 'findMany-include-miss',
  title: 'findMany + include miss (new key each call)',
  group: 'miss',
  async setup(instance) {
    return () => {
      const n = sequence++
      return read(instance, 'order', 'findMany', includeArgs(n % 10, { id: { not: -1 - n }, placedAt: { not: new Date(Date.UTC(2000, 0, 1) + n) } }))
    }
  },
}
