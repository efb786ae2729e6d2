/** findUnique hits: one at a time (p50/p99), and 50 in flight (Prisma batches concurrent findUnique calls). */
import { config } from '../helpers/config.js'
import { read, warm, type Workload } from '../helpers/workload.js'

const KEYS = 50

/** Sequential findUnique of one of 50 warmed users. */
export const findUniqueHit: Workload = {
  id: 'findUnique-hit',
  title: 'findUnique hit (sequential)',
  group: 'hit',
  async setup(instance, data) {
    const ids = Array.from({ length: KEYS }, (_, i) => 1 + ((i * 17) % data.users))
    const call = (id: number) => () => read(instance, 'user', 'findUnique', { where: { id } })
    await warm(ids.map(call))
    let i = 0
    return () => call(ids[i++ % KEYS]!)()
  },
}

/** 50 findUnique hits in flight at once; throughput is reads per second. */
export const findUniqueHitConcurrent: Workload = {
  id: 'findUnique-hit-50',
  title: `findUnique hit, ${config.inFlight} in flight`,
  group: 'hit',
  ops: config.inFlight,
  async setup(instance, data) {
    const ids = Array.from({ length: config.inFlight }, (_, i) => 1 + ((i * 17) % data.users))
    const call = (id: number) => () => read(instance, 'user', 'findUnique', { where: { id } })
    await warm(ids.map(call))
    return () => Promise.all(ids.map((id) => call(id)()))
  },
}
