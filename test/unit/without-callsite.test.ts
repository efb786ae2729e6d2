import { afterEach, describe, expect, it } from 'vitest'
import { withoutCallsite } from '../../src/prisma/without-callsite.js'

const original = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!

afterEach(() => {
  Object.defineProperty(Error, 'stackTraceLimit', original)
})

describe('withoutCallsite', () => {
  it('runs the call with stack traces off and returns its result', () => {
    Error.stackTraceLimit = 17
    const seen = withoutCallsite(() => ({ limit: Error.stackTraceLimit, stack: new Error('inside').stack }))
    expect(seen.limit).toBe(0)
    expect(seen.stack).toBe('Error: inside') // no frame captured
    expect(Error.stackTraceLimit).toBe(17)
  })

  it('restores the limit when the call throws', () => {
    Error.stackTraceLimit = 23
    expect(() => withoutCallsite(() => {
      throw new TypeError('from Prisma')
    })).toThrow(new TypeError('from Prisma'))
    expect(Error.stackTraceLimit).toBe(23)
  })

  it('gives an error thrown inside the call the frames of the code that made the call', () => {
    Error.stackTraceLimit = 10
    function applicationLine(): unknown {
      try {
        withoutCallsite(() => {
          throw new RangeError('thrown synchronously')
        })
      } catch (error) {
        return error
      }
      return undefined
    }
    const error = applicationLine() as Error
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe('thrown synchronously')
    expect(error.stack).toMatch(/^RangeError: thrown synchronously\n {4}at applicationLine /)
  })

  it('leaves the stack of an error that already has frames alone', () => {
    const made = new Error('made outside')
    const stack = made.stack
    expect(() => withoutCallsite(() => {
      throw made
    })).toThrow(made)
    expect(made.stack).toBe(stack)
  })

  it('runs the call unchanged where the limit cannot be changed (a frozen Error)', () => {
    Object.defineProperty(Error, 'stackTraceLimit', { value: 9, writable: false, configurable: true })
    expect(withoutCallsite(() => Error.stackTraceLimit)).toBe(9)
    expect(Error.stackTraceLimit).toBe(9)
  })
})
