import { Decimal } from '@prisma/client/runtime/client'
import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { CacheSerializationError } from '../../src/errors.js'
import { decodePayload, deserializeValue, encodeEntry, parseEntry, serializeValue, type EntryHeader } from '../../src/codec/entry.js'
import { expectSameData } from '../helpers/exact.js'
import { escapeUnsafeKeys, restoreUnsafeKeys } from '../../src/codec/unsafe-keys.js'

const header: Omit<EntryHeader, 'escaped' | 'compressed' | 'codec'> = {
  deps: [['m:User', 'v1'], ['r:User:d1', 'v2']],
  createdAt: 1_000,
  freshUntil: 61_000,
  staleUntil: 71_000,
}
const limits = { maxBytes: 1024 * 1024, compressAbove: 16 * 1024 }

async function roundTrip(value: unknown, l = limits): Promise<unknown> {
  const encoded = await encodeEntry(serializeValue(value), header, l)
  if (encoded === undefined) throw new Error('not encoded')
  return decodePayload(parseEntry(encoded))
}

/** A JSON object with own keys that would otherwise touch prototypes, built the way jsonb parsing does. */
function hostileJson(): Record<string, unknown> {
  return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"prototype":null,"__proto__\\u0000":"already escaped","constructor\\u0000\\u0000":2,"plain":[{"__proto__":[1,null]}]}')
}

describe('entry envelope', () => {
  it('round-trips the header and a value of every Prisma type exactly', async () => {
    const value = {
      at: new Date('2024-05-06T07:08:09.123Z'),
      big: 2n ** 60n + 7n,
      price: new Decimal('12345678901.23'),
      bytes: new Uint8Array([0, 1, 254, 255]),
      json: { a: [1, null, { b: null }], c: 'x' },
      status: 'PUBLISHED',
      nothing: null,
      list: [new Date(0), 1n],
    }
    const encoded = await encodeEntry(serializeValue(value), header, limits)
    const parsed = parseEntry(encoded!)
    expect(parsed.header).toEqual({ ...header, escaped: false, compressed: false, codec: 'json-tagged' })
    const decoded = (await decodePayload(parsed)) as typeof value
    expect(decoded).toStrictEqual(value)
    expect(decoded.price).toBeInstanceOf(Decimal)
    expect(decoded.at).toBeInstanceOf(Date)
    expect(decoded.bytes).toBeInstanceOf(Uint8Array)
    expect(typeof decoded.big).toBe('bigint')
  })

  it('round-trips a Buffer as a Buffer', async () => {
    const decoded = await roundTrip({ b: Buffer.from('hello') })
    expect(Buffer.isBuffer((decoded as { b: unknown }).b)).toBe(true)
    expect(decoded).toStrictEqual({ b: Buffer.from('hello') })
  })

  it('decodes a fresh copy each time: mutating one decoded value does not change the next', async () => {
    const parsed = parseEntry((await encodeEntry(serializeValue({ list: [1, 2], at: new Date(5) }), header, limits))!)
    const first = (await decodePayload(parsed)) as { list: number[]; at: Date }
    first.list.push(3)
    first.at.setTime(0)
    expect(await decodePayload(parsed)).toStrictEqual({ list: [1, 2], at: new Date(5) })
  })

  it.each([
    ['a foreign string', 'hello world'],
    ['an empty string', ''],
    ['the magic without a newline', 'pqc1{"d":[]}'],
    ['a header that is not JSON', 'pqc1{nope\n"x"'],
    ['a header missing fields', 'pqc1{"d":[]}\n{"json":1}'],
    ['a header with bad deps', 'pqc1{"d":[[1,2]],"c":1,"f":2,"s":3}\n{"json":1}'],
    ['foreign bytes', Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x01])],
  ])('rejects %s with CacheSerializationError', (_name, raw) => {
    expect(() => parseEntry(raw)).toThrow(CacheSerializationError)
  })

  it('rejects a valid header followed by a corrupt payload with CacheSerializationError', async () => {
    const corrupt = 'pqc1{"d":[],"c":1,"f":2,"s":3}\n{not superjson'
    expect(() => decodePayload(parseEntry(corrupt))).toThrow(CacheSerializationError)
    const corruptCompressed = Buffer.concat([Buffer.from('pqc1{"d":[],"c":1,"f":2,"s":3,"z":1}\n'), Buffer.from('not deflate data')])
    await expect(decodePayload(parseEntry(corruptCompressed))).rejects.toBeInstanceOf(CacheSerializationError)
    const corruptBrotli = Buffer.concat([Buffer.from('pqc1{"d":[],"c":1,"f":2,"s":3,"z":2}\n'), Buffer.from('not brotli data')])
    await expect(decodePayload(parseEntry(corruptBrotli))).rejects.toBeInstanceOf(CacheSerializationError)
  })

  it('still reads an entry deflated by an earlier version (header z:1)', async () => {
    const value = { rows: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `row ${i}` })) }
    const { text } = serializeValue(value)
    const old = Buffer.concat([Buffer.from('pqc1{"d":[],"c":1,"f":2,"s":3,"z":1,"j":1}\n'), deflateRawSync(text)])
    expect(await decodePayload(parseEntry(old))).toEqual(value)
  })
})

describe('compression and size limits', () => {
  const big = { rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com` })) }

  it('compresses a value above compressAbove into a smaller Buffer that round-trips', async () => {
    const serialized = serializeValue(big)
    const size = Buffer.byteLength(serialized.text)
    const encoded = await encodeEntry(serialized, header, { maxBytes: 10 * size, compressAbove: 1024 })
    expect(Buffer.isBuffer(encoded)).toBe(true)
    expect((encoded as Buffer).byteLength).toBeLessThan(size / 2)
    const parsed = parseEntry(encoded!)
    expect(parsed.header.compressed).toBe(true)
    expect(await decodePayload(parsed)).toStrictEqual(big)
  })

  it('leaves a value at or below compressAbove, or with compression off, uncompressed', async () => {
    const serialized = serializeValue({ a: 'x'.repeat(100) })
    const size = Buffer.byteLength(serialized.text)
    expect(typeof (await encodeEntry(serialized, header, { maxBytes: 1e6, compressAbove: size }))).toBe('string')
    expect(typeof (await encodeEntry(serializeValue(big), header, { maxBytes: 1e7, compressAbove: 0 }))).toBe('string')
  })

  it('returns undefined for a value above maxBytes, measured before compression', async () => {
    const serialized = serializeValue(big)
    const size = Buffer.byteLength(serialized.text)
    expect(await encodeEntry(serialized, header, { maxBytes: size - 1, compressAbove: 1024 })).toBeUndefined()
    expect(await encodeEntry(serialized, header, { maxBytes: size, compressAbove: 1024 })).toBeDefined()
  })
})

describe('keys superjson refuses', () => {
  it('round-trips __proto__, constructor, prototype and keys already ending in NUL as plain data', async () => {
    const value = hostileJson()
    const decoded = (await roundTrip(value)) as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(decoded)).toEqual(Object.getOwnPropertyNames(value))
    expectSameData(decoded, value)
    const nested = (decoded.plain as Record<string, unknown>[])[0]!
    expect(Object.getOwnPropertyNames(nested)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('escapes and restores keys as an exact inverse', () => {
    const value = hostileJson()
    const escaped = escapeUnsafeKeys(value) as Record<string, unknown>
    expect(Object.keys(escaped)).not.toContain('__proto__')
    expectSameData(restoreUnsafeKeys(escaped), value)
  })

  it('does not escape values that need no escaping', () => {
    expect(serializeValue({ a: { b: 'constructor' } }).escaped).toBe(false)
    expect(deserializeValue(serializeValue({ a: 1 }))).toStrictEqual({ a: 1 })
  })
})
