/**
 * Accelerate's `cacheStrategy` translated to the `cache` option, Accelerate's tag rules, and
 * `CacheInfo` translated to `AccelerateInfo`.
 */
import { describe, expect, it } from 'vitest'
import { accelerateInfo } from '../../src/accelerate/info.js'
import { accelerateTags, cacheOption, withCacheOption } from '../../src/accelerate/strategy.js'
import { CacheConfigError } from '../../src/errors.js'
import { DEFAULT_OPTIONS } from '../../src/options.js'
import { resolveOptions } from '../../src/options.js'
import { readPolicy } from '../../src/read/policy.js'

const configError = (run: () => unknown, path: string) => {
  expect(run).toThrow(CacheConfigError)
  try {
    run()
  } catch (error) {
    expect((error as CacheConfigError).path).toBe(path)
  }
}

describe('cacheStrategy → cache', () => {
  it.each([
    [{ ttl: 60 }, { ttl: 60 }],
    [{ ttl: 60, swr: 30 }, { ttl: 60, swr: 30 }],
    [{ ttl: 60, swr: 0 }, { ttl: 60, swr: 0 }],
    [{ swr: 60 }, { ttl: 0, swr: 60 }],
    [{ ttl: 0, swr: 60 }, { ttl: 0, swr: 60 }],
    [{ ttl: 5, tags: ['a_1'] }, { ttl: 5, tags: ['a_1'] }],
    [{}, false],
    [{ tags: ['a'] }, false],
    [{ ttl: 0 }, false],
    [{ ttl: 0, swr: 0 }, false],
  ])('%j becomes %j', (strategy, cache) => {
    expect(cacheOption(strategy)).toEqual(cache)
  })

  it('replaces cacheStrategy in the arguments and leaves arguments without it untouched', () => {
    expect(withCacheOption({ where: { id: 1 }, cacheStrategy: { ttl: 5 } })).toEqual({ where: { id: 1 }, cache: { ttl: 5 } })
    expect(withCacheOption({ where: { id: 1 }, cacheStrategy: undefined })).toEqual({ where: { id: 1 } })
    const args = { where: { id: 1 }, cache: true }
    expect(withCacheOption(args)).toBe(args)
    expect(withCacheOption(undefined)).toBeUndefined()
  })

  it('copies readonly tag arrays', () => {
    const tags = Object.freeze(['a', 'b'])
    const cache = cacheOption({ ttl: 1, tags }) as { tags: string[] }
    expect(cache.tags).toEqual(['a', 'b'])
    expect(cache.tags).not.toBe(tags)
  })

  it('rejects bad values with CacheConfigError naming the option', () => {
    configError(() => cacheOption({ ttl: -1 }), 'cacheStrategy.ttl')
    configError(() => cacheOption({ ttl: '5' }), 'cacheStrategy.ttl')
    configError(() => cacheOption({ swr: Number.NaN }), 'cacheStrategy.swr')
    configError(() => cacheOption({ tll: 5 }), 'cacheStrategy.tll')
    configError(() => cacheOption('60'), 'cacheStrategy')
    configError(() => withCacheOption({ cacheStrategy: { ttl: 5 }, cache: true }), 'cacheStrategy')
  })

  it('the swr-only mapping is accepted by the cache option: always stale, served while it refreshes', () => {
    const policy = readPolicy(resolveOptions({}), 'User', cacheOption({ swr: 60 }))
    expect(policy).toMatchObject({ ttlMs: 0, swrMs: 60_000 })
    // `ttl: 0` without an swr window would store entries nobody can be served.
    expect(() => readPolicy(resolveOptions({}), 'User', { ttl: 0 })).toThrow(CacheConfigError)
    expect(readPolicy(resolveOptions({}), 'User', cacheOption({ ttl: 60 }))).toMatchObject({ ttlMs: 60_000, swrMs: DEFAULT_OPTIONS.swr * 1000 })
  })
})

describe("Accelerate's tag rules", () => {
  it('allows letters, digits and underscores, 1 to 64 characters, at most 5 tags', () => {
    expect(accelerateTags('t', ['abc', 'A_1', 'x'.repeat(64), '9', '_'])).toEqual(['abc', 'A_1', 'x'.repeat(64), '9', '_'])
    expect(accelerateTags('t', [])).toEqual([])
  })

  it.each([[['a-b']], [['a b']], [['ü']], [['']], [['x'.repeat(65)]], [['a', 'b', 'c', 'd', 'e', 'f']], [[1]], ['a']])('rejects %j', (tags) => {
    configError(() => accelerateTags('cacheStrategy.tags', tags), 'cacheStrategy.tags')
  })
})

describe('CacheInfo → AccelerateInfo', () => {
  const now = 1_800_000_000_000

  it.each([
    ['hit', 'ttl'],
    ['stale', 'swr'],
    ['miss', 'miss'],
    ['bypass', 'none'],
    ['error', 'none'],
  ] as const)('status %s is cacheStatus %s', (status, cacheStatus) => {
    expect(accelerateInfo({ status }, now).cacheStatus).toBe(cacheStatus)
  })

  it("dates a hit by its age, names the region 'local' and signs with a hash of the key", () => {
    const info = accelerateInfo({ status: 'hit', key: 'pqc:abc:User:findMany::123', age: 1500 }, now)
    expect(info.lastModified).toEqual(new Date(now - 1500))
    expect(info.region).toBe('local')
    expect(info.signature).toMatch(/^[0-9a-f]{32}$/)
    expect(info.signature).not.toContain('User')
    expect(accelerateInfo({ status: 'miss', key: 'pqc:abc:User:findMany::123' }, now).signature).toBe(info.signature)
    expect(accelerateInfo({ status: 'miss' }, now)).toMatchObject({ lastModified: new Date(now), signature: 'unspecified' })
    expect(info.requestId).not.toBe(accelerateInfo({ status: 'hit' }, now).requestId)
  })
})
