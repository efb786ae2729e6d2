/**
 * Decoded results held per stored entry: a hit on exactly the same stored value gets a fresh,
 * exactly typed copy (or, frozen, the shared value); any other stored value is never answered
 * from what was held; the held values stay within their byte bound.
 */
import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import { cloneDecoded } from '../../src/codec/clone.js'
import { deserializeValue, serializeValue, type ParsedEntry } from '../../src/codec/entry.js'
import { DecodedResults } from '../../src/read/decoded.js'

/** A row as a Prisma result with an include holds it, with every special value our codec knows. */
function row() {
  return {
    id: 7,
    at: new Date('2024-02-29T23:59:58.987Z'),
    invalid: new Date(NaN),
    price: new Decimal('1234567890.12'),
    tiny: new Decimal('-0.000000000000000000000000001'),
    stock: 2n ** 62n + 3n,
    image: new Uint8Array([0, 1, 2, 250, 255]),
    buffer: Buffer.from('bytes'),
    numbers: [0, -0, NaN, Infinity, -Infinity, 1.5],
    tagLike: '\u0000Dnot a date',
    items: [{ product: { name: 'Hammer', releasedAt: new Date(5), attributes: { sizes: [1, null, { eu: null }] } } }],
  }
}

/** `value` as a hit decodes it: through the JSON codec. */
function decoded(value: unknown): unknown {
  const serialized = serializeValue(value)
  return deserializeValue(serialized)
}

describe('cloneDecoded', () => {
  it('copies every special value exactly, at any depth, -0 and NaN included', () => {
    const copy = cloneDecoded(decoded([row()])) as ReturnType<typeof row>[]
    const [r] = copy
    const expected = row()
    expect(copy).toStrictEqual([expected])
    expect(r!.at).toBeInstanceOf(Date)
    expect(Number.isNaN(r!.invalid.getTime())).toBe(true)
    expect(r!.price).toBeInstanceOf(Decimal)
    expect(r!.price.toFixed(2)).toBe('1234567890.12')
    expect(r!.tiny.toFixed()).toBe(expected.tiny.toFixed())
    expect(r!.stock).toBe(expected.stock)
    expect(Buffer.isBuffer(r!.image)).toBe(false)
    expect(r!.image).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(r!.buffer)).toBe(true)
    expect(Object.is(r!.numbers[1], -0)).toBe(true)
    expect(Number.isNaN(r!.numbers[2])).toBe(true)
    expect(r!.tagLike).toBe('\u0000Dnot a date')
    expect(r!.items[0]!.product.releasedAt).toStrictEqual(new Date(5))
  })

  it('shares nothing mutable with its source: mutating the copy leaves the source as it was', () => {
    const source = decoded([row()]) as ReturnType<typeof row>[]
    const copy = cloneDecoded(source)
    const [r] = copy
    r!.at.setTime(0)
    ;(r!.price as unknown as { d: number[] }).d[0] = 9
    r!.image[0] = 99
    r!.buffer[0] = 99
    r!.numbers.push(4)
    r!.items[0]!.product.attributes.sizes.pop()
    r!.items[0]!.product.name = 'changed'
    expect(source).toStrictEqual([row()])
  })

  it('copies a Decimal field for field, as its own copy constructor does, and keeps non-finite ones', () => {
    for (const text of ['0', '-0', '1234567890.12', '-0.000000000000000000000000001', '1e+40', 'NaN', 'Infinity', '-Infinity']) {
      const source = decoded({ value: new Decimal(text) }) as { value: Decimal }
      const copy = cloneDecoded(source).value
      const byConstructor = new Decimal(source.value)
      expect(copy, text).not.toBe(source.value)
      expect(copy, text).toStrictEqual(byConstructor)
      expect(Object.getOwnPropertyNames(copy), text).toEqual(Object.getOwnPropertyNames(byConstructor))
      expect(Decimal.isDecimal(copy), text).toBe(true)
      expect(copy.toString(), text).toBe(new Decimal(text).toString())
      if (copy.isFinite()) expect(copy.plus(1).equals(byConstructor.plus(1)), text).toBe(true)
    }
  })

  it('copies own keys only: a key inherited from a polluted Object.prototype does not become data of the copy', () => {
    const source = decoded([{ id: 1, nested: { a: 1 } }]) as { id: number; nested: { a: number } }[]
    const prototype = Object.prototype as Record<string, unknown>
    prototype.polluted = { injected: true }
    try {
      const [copy] = cloneDecoded(source)
      expect(Object.keys(copy!)).toEqual(['id', 'nested'])
      expect(Object.keys(copy!.nested)).toEqual(['a'])
    } finally {
      delete prototype.polluted
    }
  })

  it('keeps an own __proto__ key as data, never as a prototype', () => {
    const source = JSON.parse('{"__proto__":{"admin":true},"at":1}') as Record<string, unknown>
    const copy = cloneDecoded(source)
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(copy)).toEqual(['__proto__', 'at'])
    expect((copy as { admin?: unknown }).admin).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')!.value).toStrictEqual({ admin: true })
  })
})

const NOT_HELD = Symbol('not held')

/** What a hit on exactly `raw` under `key` is served from what `held` holds, or NOT_HELD. */
function served(held: DecodedResults, key: string, raw: string | Buffer): unknown {
  const found = held.find(key, raw)
  return found === undefined ? NOT_HELD : held.valueOf(found)
}

/** The parsed entry a hold records (its contents do not matter to the holder). */
const entry: ParsedEntry = { header: { deps: [], createdAt: 0, freshUntil: 1, staleUntil: 1, escaped: false, compressed: false, codec: 'json' }, payload: '' }

describe("DecodedResults, results: 'copy'", () => {
  const raw = 'pqc1{...}\n[the stored form]'
  const hold = (held: DecodedResults, key: string, stored: string | Buffer, value: unknown) => held.hold(key, stored, entry, value, 100, 'json-tagged')

  it('gives back the parsed entry held with a value for the same stored value only', () => {
    const held = new DecodedResults('copy')
    const parsed: ParsedEntry = { ...entry, payload: 'p' }
    held.hold('k', raw, parsed, decoded({ v: 1 }), 10, 'json')
    expect(held.find('k', raw)?.entry).toBe(parsed)
    expect(held.find('k', raw + ' ')).toBeUndefined()
    expect(held.find('other', raw)).toBeUndefined()
  })

  it('serves every hit on the same stored value a fresh copy, never the held value or an earlier copy', () => {
    const held = new DecodedResults('copy')
    const value = decoded([row()])
    expect(hold(held, 'k', raw, value)).toBe(value)
    const first = served(held, 'k', raw) as ReturnType<typeof row>[]
    const second = served(held, 'k', raw) as ReturnType<typeof row>[]
    expect(first).not.toBe(value)
    expect(second).not.toBe(first)
    first[0]!.at.setTime(0)
    first[0]!.items[0]!.product.name = 'mutated'
    ;(value as ReturnType<typeof row>[])[0]!.id = -1 // the caller of the first decode mutates its value
    expect(served(held, 'k', raw)).toStrictEqual([row()])
    expect(Object.isFrozen(first)).toBe(false)
  })

  it('never answers for another stored value under the same key, nor for another key', () => {
    const held = new DecodedResults('copy')
    hold(held, 'k', raw, decoded({ v: 1 }))
    expect(served(held, 'k', raw + ' ')).toBe(NOT_HELD)
    expect(served(held, 'k', 'pqc1{...}\n[the stored forn]')).toBe(NOT_HELD)
    expect(served(held, 'other', raw)).toBe(NOT_HELD)
    hold(held, 'k', 'replaced', decoded({ v: 2 }))
    expect(served(held, 'k', raw)).toBe(NOT_HELD)
    expect(served(held, 'k', 'replaced')).toStrictEqual({ v: 2 })
  })

  it('compares stored bytes by content (a Redis GET returns a new Buffer each time)', () => {
    const held = new DecodedResults('copy')
    hold(held, 'k', Buffer.from([1, 2, 3]), decoded({ v: 1 }))
    expect(served(held, 'k', Buffer.from([1, 2, 3]))).toStrictEqual({ v: 1 })
    expect(served(held, 'k', Buffer.from([1, 2, 4]))).toBe(NOT_HELD)
    expect(served(held, 'k', '\u0001\u0002\u0003')).toBe(NOT_HELD)
  })

  it('does not hold superjson values (only what the JSON codec decodes can be copied) nor primitives', () => {
    const held = new DecodedResults('copy')
    const map = new Map([[1, 2]])
    expect(held.hold('k', raw, entry, map, 10, 'superjson')).toBe(map)
    expect(served(held, 'k', raw)).toBe(NOT_HELD)
    held.hold('n', raw, entry, 5, 1, 'json')
    expect(served(held, 'n', raw)).toBe(NOT_HELD)
    expect(held.byteSize).toBe(0)
  })

  it('stays within its byte bound (4 bytes per character of the decoded text), dropping the least recently used', () => {
    const held = new DecodedResults('copy', 10_000)
    for (let i = 0; i < 50; i++) held.hold(`k${i}`, `raw${i}`, entry, { i }, 500, 'json')
    expect(held.byteSize).toBe(10_000) // five entries of 2,000 bytes
    expect(held.byteSize).toBeLessThanOrEqual(10_000)
    expect(served(held, 'k49', 'raw49')).toStrictEqual({ i: 49 })
    expect(served(held, 'k0', 'raw0')).toBe(NOT_HELD)
    held.hold('big', 'raw-big', entry, { big: true }, 3_000, 'json') // larger than the whole bound: not held
    expect(served(held, 'big', 'raw-big')).toBe(NOT_HELD)
    expect(held.byteSize).toBeLessThanOrEqual(10_000)
  })
})

describe("DecodedResults, results: 'frozen'", () => {
  it('shares one deeply frozen value per stored value', () => {
    const held = new DecodedResults('frozen')
    const value = held.hold('k', 'raw', entry, decoded([row()]), 10, 'json-tagged') as ReturnType<typeof row>[]
    expect(served(held, 'k', 'raw')).toBe(value)
    expect(Object.isFrozen(value[0]!.items[0]!.product)).toBe(true)
    expect(served(held, 'k', 'raw2')).toBe(NOT_HELD)
  })
})
