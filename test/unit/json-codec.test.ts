import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import { decodeJson, encodeJson } from '../../src/codec/json-codec.js'
import { deserializeValue, serializeValue } from '../../src/codec/entry.js'
import { expectSameData } from '../helpers/exact.js'
import { collectGarbage } from '../helpers/gc.js'

function roundTrip(value: unknown): unknown {
  const encoded = encodeJson(value)
  if (!encoded) throw new Error('not encodable')
  return decodeJson(encoded.text, encoded.tagged)
}

describe('the JSON codec for Prisma values', () => {
  it('round-trips every special value exactly, at any depth and at the top level', () => {
    const value = {
      at: new Date('2024-05-06T07:08:09.123Z'),
      invalid: new Date(NaN),
      big: -(2n ** 80n) - 3n,
      price: new Decimal('-0.000000000000000000000000001'),
      bytes: new Uint8Array([0, 255]),
      buffer: Buffer.from('hi'),
      numbers: [0, -0, 1.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER],
      nested: [{ deep: [[new Date(1), 5n]] }],
      flags: [true, false, null],
    }
    const decoded = roundTrip(value) as typeof value
    expectSameData(decoded, value)
    expect(Object.is(decoded.numbers[1], -0)).toBe(true)
    expect(decoded.price).toBeInstanceOf(Decimal)
    expect(decoded.price.toFixed()).toBe(value.price.toFixed())
    expect(Buffer.isBuffer(decoded.buffer)).toBe(true)
    expect(Buffer.isBuffer(decoded.bytes)).toBe(false)
    for (const top of [new Date(7), 7n, new Decimal('1.5'), 'plain', '\u0000Dlooks like a tag', -0, null, 3]) {
      expectSameData(roundTrip(top), top)
    }
  })

  it('keeps user strings that start with NUL or look like tags as strings', () => {
    const value = { a: '\u0000', b: '\u0000B12', c: '\u0000\u0000S', list: ['\u0000M1.5', 'x'] }
    expect(roundTrip(value)).toStrictEqual(value)
  })

  it('keeps __proto__, constructor and prototype as own data keys, even holding tagged values', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"prototype":null}') as Record<string, unknown>
    Object.defineProperty(value, '__proto__', { value: new Date(3), enumerable: true, writable: true, configurable: true })
    const decoded = roundTrip(value) as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(decoded)).toEqual(['__proto__', 'constructor', 'prototype'])
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')!.value).toStrictEqual(new Date(3))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('marks values with nothing special as untagged (decoding is one JSON.parse)', () => {
    expect(encodeJson({ a: 1, b: ['x', null, { c: true }] })!.tagged).toBe(false)
    expect(encodeJson({ a: new Date(0) })!.tagged).toBe(true)
  })

  it.each([
    ['a Map', new Map([[1, 2]])],
    ['a Set', new Set([1])],
    ['undefined in an object', { a: undefined }],
    ['undefined at the top', undefined],
  ])('declines %s, which serializeValue then hands to superjson', (_name, value) => {
    expect(encodeJson(value)).toBeUndefined()
    const serialized = serializeValue(value)
    expect(serialized.codec).toBe('superjson')
    expect(deserializeValue(serialized)).toStrictEqual(value)
  })

  it.each([
    ['a class instance', new (class Point { x = 1 })()],
    ['a function', { f: () => 1 }],
  ])('declines %s (superjson then keeps what it can)', (_name, value) => {
    expect(encodeJson(value)).toBeUndefined()
    expect(serializeValue(value).codec).toBe('superjson')
  })

  it('decodes a fresh copy every time', () => {
    const encoded = encodeJson({ list: [new Date(5)] })!
    const first = decodeJson(encoded.text, encoded.tagged) as { list: Date[] }
    first.list[0]!.setTime(0)
    first.list.push(new Date(9))
    expect(decodeJson(encoded.text, encoded.tagged)).toStrictEqual({ list: [new Date(5)] })
  })

  it('writes what JSON.stringify writes for plain data, escapes included, and repeated keys alike', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({ id: i, 'we"ird\\key\n': `line\n${i}`, emoji: '\u{1F600}', lone: '\ud800', nested: { a: [true, null, 1.5e300] } }))
    expect(encodeJson(rows)!.text).toBe(JSON.stringify(rows))
  })

  it('keeps no memory for the long keys of Json data it encoded (300 rows, each with a 500,000-character key)', async () => {
    await collectGarbage()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 300; i++) {
      // As a Json column comes from the database: a fresh string per row (not one shared constant).
      const row = JSON.parse(`{"id":${i},"metadata":{"${String(i).padStart(8, '0')}${'k'.repeat(500_000)}":true}}`) as unknown
      expect(encodeJson(row)).toBeDefined()
    }
    await collectGarbage()
    const retainedMb = (process.memoryUsage().heapUsed - before) / 1e6
    expect(retainedMb, 'MB still held after a full collection (the keys alone are 150 MB)').toBeLessThan(30)
  })

  it('encodes only own properties while Object.prototype carries an enumerable one', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.polluted = 'yes'
    try {
      const encoded = encodeJson({ id: 1, name: 'a' })!
      expect(encoded.text).toBe('{"id":1,"name":"a"}')
    } finally {
      delete proto.polluted
    }
    expect(encodeJson({ id: 1 })!.text).toBe('{"id":1}')
  })
})

