import { describe, expect, it } from 'vitest'
import { rowTag } from '../../src/dependencies/tags.js'

describe('rowTag', () => {
  it('spells out a short primary key', () => {
    expect(rowTag('Doc', 'abc')).toBe('r:Doc:s"abc"')
    expect(rowTag('Doc', 7)).toBe('r:Doc:d7')
  })

  it('names a 5 and a 5n the same row, in compound keys too', () => {
    expect(rowTag('AuditLog', 5)).toBe(rowTag('AuditLog', 5n))
    const long = 'k'.repeat(500)
    expect(rowTag('Pair', { a: 5, b: long })).toBe(rowTag('Pair', { a: 5n, b: long }))
  })

  it('keeps the tag short for a megabyte string id: it becomes a store key', () => {
    const id = 'x'.repeat(1_000_000)
    const tag = rowTag('Doc', id)
    expect(tag.length).toBeLessThanOrEqual(64)
    expect(tag).toBe(rowTag('Doc', 'x'.repeat(1_000_000))) // the same row, the same tag
    expect(tag).not.toBe(rowTag('Doc', 'x'.repeat(999_999) + 'y'))
    expect(tag).not.toBe(rowTag('Other', id))
  })

  it('spells out a canonical key of up to 128 characters and hashes a longer one', () => {
    const fits = 'a'.repeat(125) // s"…" makes 128
    expect(rowTag('Doc', fits)).toBe(`r:Doc:s"${fits}"`)
    expect(rowTag('Doc', fits + 'a')).toMatch(/^r:Doc:#[A-Za-z0-9_-]{43}$/)
  })
})
