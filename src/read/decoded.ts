/**
 * Decoded results, held per stored entry so a hit need not parse the same text again. A held
 * value is served only for a hit on exactly the stored value it was decoded from (same string,
 * or equal bytes): a changed or replaced entry is decoded afresh. A hit still checks the entry's
 * validity first; only the decoding is skipped.
 *
 * - `results: 'copy'` (the default): each hit gets a fresh deep copy of the held value (see
 *   `cloneDecoded`), several times cheaper than `JSON.parse` plus restoring tagged values. The
 *   held value itself is never handed out. Values only superjson can encode are not held (the
 *   copy knows only what our JSON codec decodes); those hits decode as before.
 * - `results: 'frozen'`: the held value is deeply frozen and shared by every hit.
 *
 * Bounded by the size of the text the values were decoded from, 4 bytes per character: about
 * what a decoded Prisma result takes in the heap (measured: ~5 per character for rows of Decimals
 * and Dates, less for rows of strings). A compressed Redis entry counts as its inflated text, not
 * its few stored bytes.
 */
import { LRUCache } from 'lru-cache'
import { cloneDecoded } from '../codec/clone.js'
import type { Codec, ParsedEntry } from '../codec/entry.js'
import type { StoreValue } from '../stores/store.js'

/** Most text the held values were decoded from, counted as {@link BYTES_PER_CHAR} bytes per character. */
const DECODED_MAX_BYTES = 64 * 1024 * 1024
/** What one character of decoded text is counted as against the bound. */
const BYTES_PER_CHAR = 4
const MAX_ENTRIES = 10_000

/** A decoded result and the stored value it came from, parsed (so a hit need not parse its header again). */
export interface Held {
  raw: StoreValue
  entry: ParsedEntry
  value: unknown
  size: number
}

/** Decoded values by entry key, valid while the stored value they came from is unchanged. */
export class DecodedResults {
  readonly #mode: 'copy' | 'frozen'
  readonly #byKey: LRUCache<string, Held>

  constructor(mode: 'copy' | 'frozen', maxBytes = DECODED_MAX_BYTES) {
    this.#mode = mode
    this.#byKey = new LRUCache<string, Held>({ max: MAX_ENTRIES, maxSize: maxBytes, sizeCalculation: (held) => held.size })
  }

  /** Bytes the held values count against the bound (for tests and stats). */
  get byteSize(): number {
    return this.#byKey.calculatedSize
  }

  /**
   * What is held for exactly the stored value `raw` of `key`, if anything: its parsed entry (the
   * header checked when it was held, its MAC included) and its decoded value.
   */
  find(key: string, raw: StoreValue): Held | undefined {
    const held = this.#byKey.get(key)
    return held !== undefined && sameValue(held.raw, raw) ? held : undefined
  }

  /** The result a hit on `held` serves: a fresh copy, or the shared frozen value. */
  valueOf(held: Held): unknown {
    return this.#mode === 'frozen' ? held.value : cloneDecoded(held.value)
  }

  /**
   * Holds `value`, just decoded from `raw` (parsed as `entry`; its payload text had `textLength`
   * characters and was encoded with `codec`), and returns what this hit serves: `value` itself in
   * copy mode (the held one is a copy), or `value` deeply frozen.
   */
  hold(key: string, raw: StoreValue, entry: ParsedEntry, value: unknown, textLength: number, codec: Codec): unknown {
    const size = Math.max(1, textLength * BYTES_PER_CHAR)
    if (this.#mode === 'frozen') {
      deepFreeze(value)
      this.#byKey.set(key, { raw, entry, value, size })
      return value
    }
    // Superjson values may hold Maps, class instances...: only what our codec decodes is copied.
    // A primitive is its own copy, and decoding it is as cheap as holding it.
    if (codec === 'superjson' || typeof value !== 'object' || value === null) {
      this.#byKey.delete(key)
      return value
    }
    this.#byKey.set(key, { raw, entry, value: cloneDecoded(value), size })
    return value
  }
}

function sameValue(a: StoreValue, b: StoreValue): boolean {
  if (typeof a === 'string') return a === b
  return typeof b !== 'string' && a.equals(b)
}

/** Freezes every object and array reachable from `value` (typed arrays cannot be frozen and are skipped). */
function deepFreeze(value: unknown): void {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null || Object.isFrozen(node) || ArrayBuffer.isView(node)) continue
    Object.freeze(node)
    for (const key of Object.keys(node)) stack.push((node as Record<string, unknown>)[key])
  }
}
