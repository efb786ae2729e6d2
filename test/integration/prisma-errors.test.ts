/**
 * Prisma's error messages for reads the cache passes down. Prisma records a stack trace on every
 * model call to quote the application line in its messages; the cache makes those calls with
 * stack traces off (they held only the library's own frames). Each message here is compared with
 * the one Prisma gives for the same read when the trace is recorded (a non-writable
 * `Error.stackTraceLimit` keeps it on): the text must not change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheExtension, memoryStore } from '../../src/index.js'
import { uniqueNamespace } from '../helpers/cached-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

let db: TestDatabase
let prisma: ReturnType<typeof extend>
let userId: number

function extend(base: TestDatabase['prisma']) {
  return base.$extends(cacheExtension({ store: memoryStore(), namespace: uniqueNamespace(), ttl: 60 }))
}

beforeAll(async () => {
  db = await createTestDatabase()
  prisma = extend(db.prisma)
  userId = (await db.prisma.user.create({ data: { email: 'errors@example.com', name: 'Errors' } })).id
})
afterAll(() => db?.drop())

/** The error `read` rejects with. */
async function failure(read: () => PromiseLike<unknown>): Promise<Error> {
  try {
    await read()
  } catch (error) {
    return error as Error
  }
  throw new Error('the read did not fail')
}

/** The error of `read` with Prisma's stack trace recorded, as it was before the cache turned it off. */
async function failureWithTrace(read: () => PromiseLike<unknown>): Promise<Error> {
  const original = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!
  Object.defineProperty(Error, 'stackTraceLimit', { value: 10, writable: false, configurable: true })
  try {
    return await failure(read)
  } finally {
    Object.defineProperty(Error, 'stackTraceLimit', original)
  }
}

const badId = 'not-a-number' as unknown as number

describe("Prisma's messages for reads passed down by the cache", () => {
  it('a cached read with invalid arguments: the same validation message, naming the method and the argument', async () => {
    const read = () => prisma.user.findUnique({ where: { id: badId }, cache: true })
    const error = await failure(read)
    expect(error.constructor.name).toBe('PrismaClientValidationError')
    expect(error.message).toContain('prisma.user.findUnique()')
    expect(error.message).toContain('Argument `id`')
    expect(error.message).toBe((await failureWithTrace(read)).message)
  })

  it('a bypassed read (cache: false) with invalid arguments: the same message', async () => {
    const read = () => prisma.user.findMany({ where: { id: badId }, cache: false })
    const error = await failure(read)
    expect(error.message).toContain('Argument `id`')
    expect(error.message).toBe((await failureWithTrace(read)).message)
  })

  it('findUniqueOrThrow of a missing row: the same known request error (P2025)', async () => {
    const read = () => prisma.user.findUniqueOrThrow({ where: { id: userId + 1_000_000 }, cache: true })
    const error = (await failure(read)) as Error & { code?: string }
    expect(error.code).toBe('P2025')
    expect(error.message).toBe((await failureWithTrace(read)).message)
  })

  it('a cached read inside a batch $transaction: the same message', async () => {
    const read = () => prisma.$transaction([prisma.user.findUnique({ where: { id: badId }, cache: true })])
    const error = await failure(read)
    expect(error.message).toContain('Argument `id`')
    expect(error.message).toBe((await failureWithTrace(read)).message)
  })

  it('leaves Error.stackTraceLimit as it found it, and a later read still answers', async () => {
    const before = Error.stackTraceLimit
    await failure(() => prisma.user.findUnique({ where: { id: badId }, cache: true }))
    await prisma.user.findUnique({ where: { id: userId }, cache: true })
    expect(Error.stackTraceLimit).toBe(before)
    expect(await prisma.user.findUnique({ where: { id: userId }, cache: true })).toMatchObject({ id: userId, email: 'errors@example.com' })
  })
})
