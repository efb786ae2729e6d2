/**
 * How the query hook tells a read that a typed read method already served (a miss or a bypass
 * passed down to the database) from a new read: by the arguments object Prisma hands the first
 * query hook of a request, checked once against AsyncLocalStorage, which is then disabled — on
 * Node 20 an active AsyncLocalStorage runs a hook for every promise of the process.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cacheExtension, memoryStore } from '../../src/index.js'
import { passthroughMode } from '../../src/prisma/passthrough.js'
import { uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { Prisma } from '../generated/prisma/client.js'

let db: TestDatabase
const ids: number[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  for (let i = 1; i <= 5; i++) ids.push((await db.prisma.user.create({ data: { email: `pass${i}@example.com`, name: `Pass ${i}` } })).id)
})
afterAll(() => db?.drop())

const READS = [
  ['findUnique', () => ({ where: { id: ids[0]! } })],
  ['findUniqueOrThrow', () => ({ where: { id: ids[0]! } })],
  ['findFirst', () => ({ where: { id: ids[1]! } })],
  ['findFirstOrThrow', () => ({})],
  ['findMany', () => ({ take: 2 })],
  ['count', () => ({})],
  ['aggregate', () => ({ _count: true })],
  ['groupBy', () => ({ by: ['id'], take: 1, orderBy: { id: 'asc' } })],
] as const

describe('Prisma, as the mark relies on it', () => {
  it('hands the first query hook of a request the very arguments object passed to the layer below an extension method, with another extension stacked after it', async () => {
    const passed = new Set<object>()
    const sameObject: string[] = []
    const bottom = db.prisma.$extends({
      query: {
        $allModels: {
          $allOperations: ({ operation, args, query, ...rest }) => {
            const sent = (rest as { __internalParams?: { args?: object } }).__internalParams?.args
            if (sent !== undefined && passed.has(sent)) sameObject.push(operation)
            return query(args)
          },
        },
      },
    })
    const later = bottom.$extends({ query: { $allModels: { $allOperations: ({ args, query }) => query({ ...args }) } } })
    const surface = later.$extends({
      model: {
        $allModels: {
          viaParent<T>(this: T, operation: string, args: object): Promise<unknown> {
            const context = Prisma.getExtensionContext(this) as unknown as { $name: string; $parent: Record<string, Record<string, (a: object) => Promise<unknown>>> }
            passed.add(args)
            return context.$parent[context.$name]![operation]!(args)
          },
        },
      },
    })
    for (const [operation, args] of READS) await surface.user.viaParent(operation, args())
    expect(sameObject).toEqual(READS.map(([operation]) => operation))
  })
})

describe('cached reads that reach the database', () => {
  it('enter no AsyncLocalStorage scope once the first one has checked the mark, and each is handled once', async () => {
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run')
    let scopes: number
    const seen: string[] = []
    const namespace = uniqueNamespace()
    const prisma = db.prisma
      .$extends(cacheExtension({ store: memoryStore(), namespace }))
      .$extends({ query: { $allModels: { $allOperations: ({ model, operation, args, query }) => (seen.push(`${model}.${operation}`), query(args)) } } })
    try {
      for (const id of ids) expect(await prisma.user.findUnique({ where: { id }, cache: true })).toEqual(await db.prisma.user.findUnique({ where: { id } }))
      expect(await prisma.user.count({ cache: false })).toBe(ids.length)
      for (const [operation, args] of READS) await (prisma.user as unknown as Record<string, (a: object) => Promise<unknown>>)[operation]!({ ...args(), cache: true })
    } finally {
      scopes = run.mock.calls.length // before mockRestore, which forgets the calls
      run.mockRestore()
    }
    // Before: one AsyncLocalStorage scope per read passed down (13 here).
    expect(scopes).toBeLessThanOrEqual(1)
    expect(passthroughMode()).toBe('identity')
    const stats = prisma.$cache.stats()
    // Handled by the typed methods only: a read the hook took for a new one would count twice.
    // READS' findUnique of ids[0] is a hit of the loop's entry; the other seven are misses.
    expect({ misses: stats.misses, hits: stats.hits, bypasses: stats.bypasses }).toEqual({ misses: ids.length + READS.length - 1, hits: 1, bypasses: 1 })
    // The extension stacked after the cache sees each read that reached the database once.
    expect(seen).toHaveLength(ids.length + 1 + READS.length - 1)
  })
})
