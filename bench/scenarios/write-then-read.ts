/** A write then a read of the row it changed: the cycle every invalidating cache pays for. */
import { read, type Workload } from '../helpers/workload.js'

const ROWS = 20

/** update(product) then findUnique(product). */
export const writeThenRead: Workload = {
  id: 'write-then-read',
  title: 'update + findUnique of the same row',
  group: 'cycle',
  async setup(instance, data) {
    let i = 0
    return async () => {
      const id = 1 + (i++ % Math.min(ROWS, data.products))
      await instance.client.product.update({ where: { id }, data: { stock: { increment: 1 } } })
      return read(instance, 'product', 'findUnique', { where: { id } })
    }
  },
}
