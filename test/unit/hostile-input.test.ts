/**
 * Hostile arguments and values, property-based (fast-check): keys named `__proto__` /
 * `constructor` / `prototype` at any depth, lone surrogates, NUL bytes, strings that look like the
 * codec's own tags, megabyte strings, 1,000-level nesting, 100,000-element `in` lists, and every
 * Prisma value type. Key derivation and the codec never throw on them, never touch a prototype,
 * keep keys bounded, and give back exactly what went in. (Timing: `npm run bench -- limits`.)
 */
import { Decimal } from '@prisma/client/runtime/client'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createSigner } from '../../src/codec/signer.js'
import { CacheSerializationError } from '../../src/errors.js'
import { canonicalize, entryKey, hashArgs } from '../../src/codec/keys.js'
import { cloneDecoded } from '../../src/codec/clone.js'
import { decodePayload, deserializeValue, encodeEntry, parseEntry, serializeValue } from '../../src/codec/entry.js'
import { expectSameData } from '../helpers/exact.js'

const header = { deps: [['m:User', 'v1']] as [string, string][], createdAt: 1, freshUntil: 2, staleUntil: 3 }

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
const hostileString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('\uD800', '\uDFFF', 'a\uD83D', '\u0000', '\u0000S', '\u0000Dnot-a-date', '\u0000B12', '\u0000M1.5', 'x\u0000y', '__proto__', '\u2028'),
)
const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__\u0000', 'constructor\u0000\u0000', 'toString', 'hasOwnProperty', 'valueOf', ''),
  hostileString,
)

/** A plain object whose own keys are set with defineProperty, as `JSON.parse` of jsonb does (never by assignment). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  return out
}

/** Json data (a Prisma `Json` column) with hostile keys and strings at any depth. */
const hostileJson = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.double().filter((n) => Number.isFinite(n) && !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('json')), { maxLength: 4 }).map(objectOf),
  ),
})).json

/** Every value type a Prisma result can hold, plus the Json above, nested as relations nest. */
const prismaValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileJson,
    fc.date({ noInvalidDate: true }),
    fc.bigInt(),
    fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 })).map(([n, scale]) => new Decimal(n.toString()).div(new Decimal(10).pow(scale))),
    fc.uint8Array({ maxLength: 16 }),
    fc.double(), // NaN, ±Infinity and -0 too (a Float column)
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf),
  ),
})).value

/** Prisma-style arguments: hostile where/in/orderBy shapes. */
const hostileArgs = fc.array(fc.tuple(hostileKey, prismaValue), { maxLength: 5 }).map((entries) => ({ where: objectOf(entries), take: 10 }))

afterEach(() => {
  // No property anywhere may have leaked into Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort()

const keyOf = (args: unknown, scope?: string) =>
  entryKey({ namespace: 'ns', fingerprint: 'f00dfeedf00d', model: 'Product', operation: 'findMany', scope, args })

describe('key derivation with hostile arguments', () => {
  it('never throws, is deterministic, and the key stays bounded (property)', () => {
    fc.assert(
      fc.property(hostileArgs, fc.option(hostileString, { nil: undefined }), (args, scope) => {
        const key = keyOf(args, scope)
        expect(key).toBe(keyOf(structuredCloneSafe(args), scope))
        expect(key.length).toBeLessThanOrEqual(150)
      }),
      { numRuns: 500 },
    )
  })

  it('different meaning, different key: one changed leaf changes the key (property)', () => {
    fc.assert(
      fc.property(hostileKey, prismaValue, prismaValue, (key, a, b) => {
        fc.pre(canonicalize(a) !== canonicalize(b))
        expect(hashArgs(objectOf([[key, a]]))).not.toBe(hashArgs(objectOf([[key, b]])))
      }),
      { numRuns: 500 },
    )
  })

  it('lone surrogates, NUL bytes and their look-alikes are told apart', () => {
    const strings = ['\uD800', '\uFFFD', '\uDC00', '\uD800\uDC00', 'a', 'a\u0000', '\u0000a', '', '\u0000', '\\u0000']
    expect(new Set(strings.map((s) => hashArgs({ where: { name: s } }))).size).toBe(strings.length)
  })

  it('a scope with separators or of any length cannot forge or lengthen another key', () => {
    const tricky = ['a', 'a:k', 'a:_', '_', 'x'.repeat(10_000), 'ä', 'a b', '*', 'a\u0000']
    const keys = tricky.map((scope) => keyOf({ where: {} }, scope))
    expect(new Set(keys).size).toBe(tricky.length)
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(150)
    expect(keyOf({ where: {} }, 'a:k')).not.toContain(':sa:k')
  })

  it('handles 1,000- and 100,000-level nesting, 100,000-element in lists and megabyte strings', () => {
    for (const depth of [1_000, 100_000]) {
      let where: Record<string, unknown> = { id: 1 }
      for (let i = 0; i < depth; i++) where = { AND: [where] }
      expect(keyOf({ where })).toMatch(/^ns:e:/)
    }
    const ids = Array.from({ length: 100_000 }, (_, i) => i)
    expect(keyOf({ where: { id: { in: ids } } })).not.toBe(keyOf({ where: { id: { in: ids.slice(1) } } }))
    const mega = 'x'.repeat(1 << 20)
    expect(keyOf({ where: { name: mega } })).not.toBe(keyOf({ where: { name: mega + 'y' } }))
    expect(keyOf({ where: { name: mega } }).length).toBeLessThanOrEqual(150)
  })

  it('reads keys named __proto__/constructor/prototype as data, without touching prototypes', () => {
    const parsed = JSON.parse('{"where":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}') as unknown
    const key = keyOf(parsed)
    expect(key).not.toBe(keyOf({ where: {} }))
    expect(keyOf({ where: { constructor: { prototype: { polluted: 1 } } } })).not.toBe(keyOf({ where: {} }))
  })
})

describe('the codec with hostile values', () => {
  for (const variant of ['plain', 'compressed', 'signed'] as const) {
    it(`round-trips every Prisma value type exactly (${variant}, property)`, async () => {
      const signer = variant === 'signed' ? createSigner([Buffer.from('k')]) : undefined
      const limits = { maxBytes: 1 << 30, compressAbove: variant === 'compressed' ? 1 : 0 }
      await fc.assert(
        fc.asyncProperty(fc.array(prismaValue, { maxLength: 4 }), async (rows) => {
          const encoded = await encodeEntry(serializeValue(rows), header, limits, signer, 'ns:key')
          const decoded = await decodePayload(parseEntry(encoded!, signer, 'ns:key'))
          expectSameValue(decoded, rows)
        }),
        { numRuns: variant === 'plain' ? 400 : 150 },
      )
    })
  }

  it('a copy of a decoded value (what a hit serves) is exact and shares no object with it (property)', () => {
    fc.assert(
      fc.property(fc.array(prismaValue, { maxLength: 4 }), (rows) => {
        const { text, codec } = serializeValue(rows)
        fc.pre(codec !== 'superjson')
        const decoded = deserializeValue({ text, codec, escaped: false })
        const copy = cloneDecoded(decoded)
        expectSameValue(copy, rows)
        const originals = new Set(objectsIn(decoded))
        for (const object of objectsIn(copy)) expect(originals.has(object)).toBe(false)
      }),
      { numRuns: 400 },
    )
  })

  it('garbage in the store is a CacheSerializationError, never a crash or anything else (property)', async () => {
    const garbage = fc.oneof(
      fc.string({ unit: codeUnit }),
      fc.uint8Array().map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.string({ unit: codeUnit }), fc.string({ unit: codeUnit })).map(([h, p]) => `pqc1${h}\n${p}`),
      fc.tuple(fc.constantFrom('{"d":[],"c":1,"f":2,"s":3,"j":2}', '{"d":[],"c":1,"f":2,"s":3}', '{"d":[],"c":1,"f":2,"s":3,"z":1}'), hostileJsonText()).map(([h, p]) => `pqc1${h}\n${p}`),
    )
    await fc.assert(
      fc.asyncProperty(garbage, async (raw) => {
        try {
          await decodePayload(parseEntry(raw))
        } catch (error) {
          expect(error).toBeInstanceOf(CacheSerializationError)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('decodes a stored payload holding __proto__ keys and tagged strings as data', async () => {
    const raw = 'pqc1{"d":[],"c":1,"f":2,"s":3,"j":2}\n{"__proto__":{"polluted":"\\u0000D5"},"constructor":{"prototype":{"polluted":1}}}'
    const value = (await decodePayload(parseEntry(raw))) as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(value)).toEqual(['__proto__', 'constructor'])
    expect((Object.getOwnPropertyDescriptor(value, '__proto__')!.value as { polluted: unknown }).polluted).toEqual(new Date(5))
  })

  it('round-trips a megabyte string, a 100,000-element list and 1,000-level nested Json', async () => {
    let nested: unknown = 'bottom'
    for (let i = 0; i < 1000; i++) nested = objectOf([['__proto__', nested]])
    const value = { mega: '\uD800x\u0000'.repeat(350_000), list: Array.from({ length: 100_000 }, (_, i) => (i % 100 === 0 ? BigInt(i) : i)), nested }
    const encoded = await encodeEntry(serializeValue(value), header, { maxBytes: 1 << 30, compressAbove: 16 * 1024 })
    const decoded = (await decodePayload(parseEntry(encoded!))) as typeof value
    expect(decoded.mega).toBe(value.mega)
    expect(decoded.list).toEqual(value.list)
    expectSameValue(decoded.nested, nested)
  }, 120_000)
})

/** JSON text whose objects use hostile keys and whose strings carry NUL tags. */
function hostileJsonText() {
  return hostileJson.map((json) => JSON.stringify(json) ?? 'null')
}

/** Exact equality: prototypes, own keys in order, Object.is on primitives, and the special types by value. */
function expectSameValue(actual: unknown, expected: unknown, path = '$'): void {
  if (expected instanceof Date || Decimal.isDecimal(expected) || expected instanceof Uint8Array) {
    expect(Object.getPrototypeOf(actual), `${path} prototype`).toBe(Object.getPrototypeOf(expected))
    expect(String(actual), path).toBe(String(expected))
    return
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true)
    expect((actual as unknown[]).length, `${path} length`).toBe(expected.length)
    expected.forEach((item, i) => expectSameValue((actual as unknown[])[i], item, `${path}[${i}]`))
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    expectSameData(Object.getOwnPropertyNames(actual), Object.getOwnPropertyNames(expected), `${path} keys`)
    expect(Object.getPrototypeOf(actual), `${path} prototype`).toBe(Object.getPrototypeOf(expected))
    for (const name of Object.getOwnPropertyNames(expected)) {
      expectSameValue(Object.getOwnPropertyDescriptor(actual, name)!.value, Object.getOwnPropertyDescriptor(expected, name)!.value, `${path}.${JSON.stringify(name)}`)
    }
    return
  }
  expect(Object.is(actual, expected), `${path}: ${String(actual)} is ${String(expected)}`).toBe(true)
}

/** Every object reachable from `value` (itself included), typed arrays and their buffers too. */
function objectsIn(value: unknown, found: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return found
  found.push(value)
  if (ArrayBuffer.isView(value)) found.push(value.buffer)
  else for (const name of Object.getOwnPropertyNames(value)) objectsIn(Object.getOwnPropertyDescriptor(value, name)!.value, found)
  return found
}

/** A deep copy that keeps own `__proto__` keys as data (structuredClone would too, but not Decimal). */
function structuredCloneSafe(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(structuredCloneSafe)
  if (value instanceof Date) return new Date(value.getTime())
  if (value instanceof Uint8Array) return new Uint8Array(value)
  if (Decimal.isDecimal(value)) return new Decimal(value)
  if (typeof value !== 'object' || value === null) return value
  return objectOf(Object.keys(value).reverse().map((key) => [key, structuredCloneSafe((value as Record<string, unknown>)[key])] as [string, unknown]))
}
