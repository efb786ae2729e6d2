/** aggregate hits: sum, average and count of order totals over ten warmed user ranges. */
import { read, warm, type Workload } from '../helpers/workload.js'

const RANGES = 10

/** Hit of an aggregate over orders. */
export const aggregateHit: Workload = {
  id: 'aggregate-hit',
  title: 'aggregate hit',
  group: 'hit',
  async setup(instance, data) {
    const call = (r: number) => () => read(instance, 'order', 'aggregate', {
      where: { userId: { lte: Math.max(1, Math.floor(((r + 1) * data.users) / RANGES)) } },
      _sum: { total: true },
      _avg: { total: true },
      _count: { _all: true },
    })
    await warm(Array.from({ length: RANGES }, (_, r) => call(r)))
    let i = 0
    return () => call(i++ % RANGES)()
  },
}
