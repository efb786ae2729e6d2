/**
 * Shared results for `results: 'frozen'`: each stored entry is decoded once, deeply frozen, and
 * handed to every hit of that same stored value. A hit still checks the entry's validity first;
 * only the decoding is skipped. Bounded by the bytes of the stored values it was decoded from.
 */
import { LRUCache } from 'lru-cache'
import type { StoreValue } from '../stores/store.js'

const MAX_BYTES = 64 * 1024 * 1024

interface Decoded {
  raw: StoreValue
  value: unknown
}

/** Frozen values by entry key, valid while the stored value they came from is unchanged. */
export class FrozenResults {
  readonly #byKey = new LRUCache<string, Decoded>({ max: 10_000, maxSize: MAX_BYTES, sizeCalculation: (d) => Math.max(1, sizeOf(d.raw)) })

  /** The frozen value decoded from exactly `raw`, if held. */
  get(key: string, raw: StoreValue): unknown {
    const held = this.#byKey.get(key)
    if (held === undefined || !sameValue(held.raw, raw)) return undefined
    return held.value
  }

  /** Freezes `value` deeply and holds it for `raw`; returns it. */
  hold(key: string, raw: StoreValue, value: unknown): unknown {
    deepFreeze(value)
    this.#byKey.set(key, { raw, value })
    return value
  }
}

function sameValue(a: StoreValue, b: StoreValue): boolean {
  if (typeof a === 'string') return a === b
  return typeof b !== 'string' && a.equals(b)
}

function sizeOf(value: StoreValue): number {
  return typeof value === 'string' ? value.length * 2 : value.byteLength
}

/** Freezes every object and array reachable from `value` (typed arrays cannot be frozen and are skipped). */
export function deepFreeze(value: unknown): void {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null || Object.isFrozen(node) || ArrayBuffer.isView(node)) continue
    Object.freeze(node)
    for (const key of Object.keys(node)) stack.push((node as Record<string, unknown>)[key])
  }
}
