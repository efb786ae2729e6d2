/**
 * Memory per cached entry on the in-process stores: heapUsed after a full GC, before and after
 * filling N distinct findUnique entries (one order row each), divided by N. Raw Prisma doing the
 * same reads is the control (what Prisma itself retains). GC is exposed at run time with
 * v8.setFlagsFromString, so no node flag is needed.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { config } from '../helpers/config.js'
import type { Contestant, InstanceEnv } from '../helpers/contestants.js'
import { firstLine } from '../helpers/measure.js'
import { read } from '../helpers/workload.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Bytes of heap per entry, or why it could not be measured. */
export type MemoryResult = { bytesPerEntry: number; entries: number } | { error: string }

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/** Measures `contestant` with N = config.memoryEntries distinct order rows. */
export async function memoryPerEntry(contestant: Contestant, env: InstanceEnv, orders: number): Promise<MemoryResult> {
  const entries = Math.min(config.memoryEntries, orders)
  let instance
  try {
    instance = await contestant.create(env)
    for (let id = orders; id > orders - 20; id--) await read(instance, 'order', 'findUnique', { where: { id } })
    const before = await settledHeap()
    for (let id = 1; id <= entries; id++) await read(instance, 'order', 'findUnique', { where: { id } })
    const after = await settledHeap()
    return { bytesPerEntry: (after - before) / entries, entries }
  } catch (error) {
    return { error: firstLine(String((error as Error).message ?? error)) }
  } finally {
    await instance?.close()
  }
}
