/**
 * Micro-benchmarks of the pieces a hit or a miss is made of: key derivation (src/keys.ts) and
 * entry encoding/decoding (src/serialize.ts), beside the JSON.stringify key floor A uses.
 */
import { Bench } from 'tinybench'
import { entryKey, hashArgs } from '../../src/codec/keys.js'
import { decodePayload, deserializeValue, encodeEntry, parseEntry, serializeValue } from '../../src/codec/entry.js'
import type { PrismaClient } from '../../test/generated/prisma/client.js'
import { config } from '../helpers/config.js'
import { summarize, type Stats } from '../helpers/measure.js'
import { includeArgs } from './find-many-include-hit.js'

/** One micro-benchmark result. */
export interface MicroResult {
  name: string
  stats: Stats
}

/** Runs the micro-benchmarks on a real 20-row findMany + include result. */
export async function runMicro(base: PrismaClient): Promise<MicroResult[]> {
  const args = includeArgs(3)
  const rows = await base.order.findMany(includeArgs(3) as { where: { userId: { lte: number } }; include: { items: true }; take: number; skip: number })
  const user = await base.user.findUnique({ where: { id: 1 } })
  const parts = { namespace: 'pqc', fingerprint: '0123456789ab', model: 'Order', operation: 'findMany', scope: undefined, args }
  const serialized = serializeValue(rows)
  const header = { deps: [['m:Order', '1'], ['m:OrderItem', '1']] as [string, string][], createdAt: Date.now(), freshUntil: Date.now() + 3_600_000, staleUntil: Date.now() + 3_600_000 }
  const stored = (await encodeEntry(serialized, header, { maxBytes: 1 << 20, compressAbove: 1 << 20 }))!
  const userSerialized = serializeValue(user)
  const plainText = JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
  const bench = new Bench({ time: config.microMs, warmupTime: Math.min(100, config.microMs), retainSamples: true })
  bench
    .add('entryKey(findMany + include args)', () => entryKey(parts))
    .add('hashArgs(findMany + include args)', () => hashArgs(args))
    .add('entryKey(findUnique { where: { id } })', () => entryKey({ ...parts, model: 'User', operation: 'findUnique', args: { where: { id: 42 } } }))
    .add('JSON.stringify key (floor A)', () => JSON.stringify(['Order', 'findMany', args]))
    .add('serializeValue(20 orders + items)', () => serializeValue(rows))
    .add('deserializeValue(20 orders + items)', () => deserializeValue(serialized))
    .add('parseEntry + decodePayload(20 orders + items)', () => decodePayload(parseEntry(stored)))
    .add('deserializeValue(1 user)', () => deserializeValue(userSerialized))
    .add('JSON.parse(20 orders + items, plain JSON)', () => JSON.parse(plainText))
  await bench.run()
  return bench.tasks.map((task) => {
    const r = task.result
    const samples = r.state === 'completed' && r.latency.samples ? r.latency.samples : [NaN]
    return { name: task.name, stats: summarize(samples) }
  })
}
