/**
 * The two floors every figure is compared with, as query extensions: the least a Prisma caching
 * extension can cost. Shared by the bench's contestants and the miss tools (`miss-cpu.ts`,
 * `miss-phases.ts`), so they all race the same floors.
 */
import type { Redis } from 'ioredis'

const READS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy'])

interface HookParams {
  model?: string
  operation: string
  args: unknown
  query: (args: unknown) => Promise<unknown>
}

const bigintAsString = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)

/** Floor A: a bare query hook answering reads from a `Map`, the value kept by reference (no copy, no invalidation). */
export function floorAExtension() {
  const map = new Map<string, unknown>()
  return {
    name: 'floor-a',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }: HookParams) {
          if (!READS.has(operation)) return query(args)
          const key = JSON.stringify([model, operation, args])
          const hit = map.get(key)
          if (hit !== undefined) return hit
          const value = await query(args)
          map.set(key, value)
          return value
        },
      },
    },
  }
}

/** Floor B: a bare query hook doing one `GET` + `JSON.parse`; a miss queries and `SET EX`s (BigInt as string). */
export function floorBExtension(redis: Redis, prefix: string, ttlSeconds: number) {
  return {
    name: 'floor-b',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }: HookParams) {
          if (!READS.has(operation)) return query(args)
          const key = prefix + JSON.stringify([model, operation, args])
          const stored = await redis.get(key)
          if (stored !== null) return JSON.parse(stored) as unknown
          const value = await query(args)
          await redis.set(key, JSON.stringify(value, bigintAsString), 'EX', ttlSeconds)
          return value
        },
      },
    },
  }
}
