import { Decimal } from '@prisma/client/runtime/client'
import { describe, expect, it } from 'vitest'
import calculateSlot from 'cluster-key-slot'
import { canonicalize, entryKey, hashArgs, lockKey, schemaFingerprint, userKey, versionKey } from '../../src/codec/keys.js'
import { KeyLayout, MAX_BUCKETS } from '../../src/codec/key-layout.js'
import { describeKey } from '../../src/cli/keys.js'
import { CacheConfigError } from '../../src/errors.js'

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

describe('KeyLayout (Redis Cluster buckets)', () => {
  const { namespace: _ns, ...parts } = base
  const slotOf = (key: string) => calculateSlot(key)

  it('with one bucket, keys are exactly the plain ones', () => {
    const layout = new KeyLayout('ns', 1)
    expect(layout.entry(parts)).toEqual({ key: entryKey(base), bucket: 0 })
    expect(layout.version('m:User', 0)).toBe(versionKey('ns', 'm:User'))
    expect(layout.everyVersion('m:User')).toEqual([versionKey('ns', 'm:User')])
  })

  it('puts an entry, its lock and its bucket’s version copies in one slot', () => {
    const layout = new KeyLayout('ns', 16)
    const { key, bucket } = layout.entry(parts)
    expect(key).toMatch(/^ns:e:\{[^}]+\}:fp:User:findMany:_:/)
    expect(slotOf(lockKey('ns', key))).toBe(slotOf(key))
    expect(slotOf(layout.version('m:User', bucket))).toBe(slotOf(key))
    expect(slotOf(layout.version('r:User:1', bucket))).toBe(slotOf(key))
  })

  it('spreads buckets evenly over the slot space: bucket i in the i-th share', () => {
    const layout = new KeyLayout('ns', 16)
    const slots = layout.everyVersion('m:User').map(slotOf)
    slots.forEach((slot, i) => expect(Math.floor(slot / 1024)).toBe(i))
    const buckets = new Set(Array.from({ length: 200 }, (_, i) => layout.entry({ ...parts, args: { where: { id: i } } }).bucket))
    expect(buckets.size).toBe(16)
  })

  it('reads a qualified tag (@<bucket>:<tag>) from that bucket’s copy', () => {
    const layout = new KeyLayout('ns', 16)
    const qualified = layout.qualify('m:User', 3, 7)
    expect(qualified).toBe('@3:m:User')
    expect(layout.version(qualified, 7)).toBe(layout.version('m:User', 3))
    expect(layout.qualify('m:User', 7, 7)).toBe('m:User')
  })

  it('rejects a bucket count out of range with a CacheConfigError', () => {
    for (const bad of [0, -1, 2.5, MAX_BUCKETS + 1, Number.NaN]) expect(() => new KeyLayout('ns', bad)).toThrow(CacheConfigError)
  })

  it('the CLI reads model and operation from bucketed and plain entry keys alike', () => {
    const plain = entryKey(base)
    const bucketed = new KeyLayout('ns', 16).entry(parts).key
    for (const key of [plain, bucketed]) expect(describeKey('ns', key)).toEqual({ kind: 'entry', model: 'User', operation: 'findMany' })
  })
})
