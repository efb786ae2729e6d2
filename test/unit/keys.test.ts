import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import { canonicalize, entryKey, hashArgs, lockKey, schemaFingerprint, userKey, versionKey } from '../../src/codec/keys.js'

const base = { namespace: 'ns', fingerprint: 'fp', model: 'User', operation: 'findMany', scope: undefined, args: { where: { id: 1 } } }

describe('canonicalize / hashArgs', () => {
  it('gives the same hash for the same arguments in another key order, at every depth', () => {
    const a = { where: { id: 1, email: 'a@x' }, orderBy: { name: 'asc' }, take: 5 }
    const b = { take: 5, orderBy: { name: 'asc' }, where: { email: 'a@x', id: 1 } }
    expect(hashArgs(a)).toBe(hashArgs(b))
  })

  it('keeps array order significant', () => {
    expect(hashArgs({ orderBy: [{ a: 'asc' }, { b: 'asc' }] })).not.toBe(hashArgs({ orderBy: [{ b: 'asc' }, { a: 'asc' }] }))
  })

  it('tells a Date from its ISO string', () => {
    const date = new Date('2024-01-02T03:04:05.678Z')
    expect(hashArgs({ where: { at: date } })).not.toBe(hashArgs({ where: { at: date.toISOString() } }))
  })

  it('tells equal Dates apart from different ones by their milliseconds', () => {
    expect(hashArgs({ at: new Date(1000) })).toBe(hashArgs({ at: new Date(1000) }))
    expect(hashArgs({ at: new Date(1000) })).not.toBe(hashArgs({ at: new Date(1001) }))
  })

  it('tells a BigInt from the number and the string of the same text', () => {
    expect(hashArgs({ id: 1n })).not.toBe(hashArgs({ id: 1 }))
    expect(hashArgs({ id: 1n })).not.toBe(hashArgs({ id: '1' }))
    expect(hashArgs({ id: 2n ** 64n })).not.toBe(hashArgs({ id: 2n ** 64n + 1n }))
  })

  it('tells a Decimal from its string and number, and equal Decimals share a hash', () => {
    expect(hashArgs({ price: new Decimal('9.99') })).not.toBe(hashArgs({ price: '9.99' }))
    expect(hashArgs({ price: new Decimal('9.99') })).not.toBe(hashArgs({ price: 9.99 }))
    expect(hashArgs({ price: new Decimal('9.99') })).toBe(hashArgs({ price: new Decimal('9.99') }))
    expect(hashArgs({ price: new Decimal('9.99') })).not.toBe(hashArgs({ price: new Decimal('9.98') }))
  })

  it('tells bytes from their base64 string, and different bytes apart', () => {
    const bytes = new Uint8Array([1, 2, 3])
    expect(hashArgs({ b: bytes })).not.toBe(hashArgs({ b: Buffer.from(bytes).toString('base64') }))
    expect(hashArgs({ b: bytes })).not.toBe(hashArgs({ b: new Uint8Array([1, 2, 4]) }))
  })

  it('tells different selections apart', () => {
    expect(hashArgs({ select: { id: true } })).not.toBe(hashArgs({ select: { id: true, name: true } }))
    expect(hashArgs({ select: { id: true } })).not.toBe(hashArgs({ include: { id: true } }))
  })

  it('tells null, false, 0, the empty string and the string "null" apart', () => {
    const hashes = [null, false, 0, '', 'null', 'n', []].map((v) => hashArgs({ v }))
    expect(new Set(hashes).size).toBe(hashes.length)
  })

  it('ignores keys whose value is undefined, like Prisma does', () => {
    expect(hashArgs({ where: { id: 1, name: undefined } })).toBe(hashArgs({ where: { id: 1 } }))
  })

  it('cannot be fooled by a key that contains the encoding punctuation', () => {
    expect(canonicalize({ 'a":s"b': 1 })).not.toBe(canonicalize({ a: 'b' }))
    expect(hashArgs({ a: 's"x"' })).not.toBe(hashArgs({ a: 'x' }))
  })

  it('returns a 43-character base64url SHA-256', () => {
    expect(hashArgs({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})

describe('entryKey', () => {
  it('lays the key out as namespace, e, fingerprint, model, operation, scope, hash', () => {
    expect(entryKey(base)).toBe(`ns:e:fp:User:findMany:_:${hashArgs(base.args)}`)
  })

  it('puts the scope in the key, and scoped keys differ from each other and from unscoped ones', () => {
    const keys = [entryKey(base), entryKey({ ...base, scope: 'tenant-a' }), entryKey({ ...base, scope: 'tenant-b' }), entryKey({ ...base, scope: '' })]
    expect(new Set(keys).size).toBe(4)
  })

  it('differs by fingerprint, model and operation', () => {
    const keys = [entryKey(base), entryKey({ ...base, fingerprint: 'other' }), entryKey({ ...base, model: 'Post' }), entryKey({ ...base, operation: 'findFirst' })]
    expect(new Set(keys).size).toBe(4)
  })

  it('replaces the hash with a user key, still namespaced and scoped', () => {
    expect(entryKey({ ...base, scope: 't1', customKey: 'home' })).toBe('ns:e:fp:User:findMany:st1:k:home')
  })

  it('keeps a user key from colliding with a derived hash of the same text', () => {
    const hash = hashArgs(base.args)
    expect(entryKey({ ...base, customKey: hash })).not.toBe(entryKey(base))
  })
})

describe('other keys', () => {
  it('names version, user and lock keys under the namespace', () => {
    expect(versionKey('ns', 'm:User')).toBe('ns:v:m:User')
    expect(userKey('ns', 'greeting')).toBe('ns:u:greeting')
    const entry = entryKey(base)
    expect(lockKey('ns', entry)).toBe(`ns:l:${entry.slice('ns:'.length)}`)
  })

  it('fingerprints schemas: equal text, equal fingerprint; one changed character, another one', () => {
    expect(schemaFingerprint('model A { id Int @id }')).toBe(schemaFingerprint('model A { id Int @id }'))
    expect(schemaFingerprint('model A { id Int @id }')).not.toBe(schemaFingerprint('model B { id Int @id }'))
  })
})
