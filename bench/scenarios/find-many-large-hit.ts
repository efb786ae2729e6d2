/** A 2,000-row findMany hit: where decoding dominates. */
import { config } from '../helpers/config.js'
import { read, warm, type Workload } from '../helpers/workload.js'

/** Hit of one findMany returning 2,000 orders. */
export const findManyLargeHit: Workload = {
  id: 'findMany-2000-hit',
  title: `findMany ${config.largeRows.toLocaleString('en')} rows, hit`,
  group: 'hit',
  async setup(instance) {
    const call = () => read(instance, 'order', 'findMany', { orderBy: { id: 'asc' }, take: config.largeRows })
    await warm([call])
    return call
  },
}
