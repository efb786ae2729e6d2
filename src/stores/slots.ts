/**
 * Hash-slot grouping for Redis Cluster: a multi-key command may only name keys of one slot, so a
 * read of an entry and its versions becomes one command per slot (sent together, in parallel).
 * Keys keep their format; no hash tags are added (see the README, "Redis Cluster").
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

/** The hash slot of `key`. */
export function slotOf(key: string): number {
  return calculateSlot(key)
}

/** True when every key of `keys` hashes to the same slot. */
export function oneSlot(keys: readonly string[]): boolean {
  const slot = calculateSlot(keys[0]!)
  for (let i = 1; i < keys.length; i++) if (calculateSlot(keys[i]!) !== slot) return false
  return true
}
