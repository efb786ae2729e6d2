/** findMany with include: 20 orders with their items, ten warmed pages. */
import { read, warm, type Workload } from '../helpers/workload.js'

const PAGES = 10

/** The args of page `page` (20 orders of the first 200 users, with items). */
export function includeArgs(page: number, extraWhere: Record<string, unknown> = {}): Record<string, unknown> {
  return { where: { userId: { lte: 200 }, ...extraWhere }, include: { items: true }, orderBy: { id: 'asc' }, take: 20, skip: page * 20 }
}

/** Hit of a findMany with include returning 20 rows. */
export const findManyIncludeHit: Workload = {
  id: 'findMany-include-hit',
  title: 'findMany + include, 20 rows, hit',
  group: 'hit',
  async setup(instance) {
    const call = (page: number) => () => read(instance, 'order', 'findMany', includeArgs(page))
    await warm(Array.from({ length: PAGES }, (_, p) => call(p)))
    let i = 0
    return () => call(i++ % PAGES)()
  },
}
