/**
 * Hash-slot grouping for Redis Cluster: a multi-key command may only name keys of one slot. The
 * bucketed key layout (codec/key-layout.ts) puts a read's keys in one slot; keys that still span
 * slots (a namespace changed under a running app, hand-made keys) become one command per slot.
 */
import calculateSlot from 'cluster-key-slot'

/** Keys grouped by hash slot, each with its index in the original list. */
export interface SlotGroup {
  slot: number
  indexes: number[]
}

/** Groups the indexes of `keys` by hash slot, in order of first appearance. */
export function groupBySlot(keys: readonly string[]): SlotGroup[] {
  const groups = new Map<number, number[]>()
  keys.forEach((key, i) => {
    const slot = calculateSlot(key)
    const group = groups.get(slot)
    if (group) group.push(i)
    else groups.set(slot, [i])
  })
  return [...groups].map(([slot, indexes]) => ({ slot, indexes }))
}

/** The slot every key of `keys` hashes to, or -1 when they span slots. */
export function commonSlot(keys: readonly string[]): number {
  const slot = calculateSlot(keys[0]!)
  for (let i = 1; i < keys.length; i++) if (calculateSlot(keys[i]!) !== slot) return -1
  return slot
}

/** True when every key of `keys` hashes to the same slot. */
export function oneSlot(keys: readonly string[]): boolean {
  return commonSlot(keys) >= 0
}
