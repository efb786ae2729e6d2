/** Small combinators shared by the arbitraries. */
import fc from 'fast-check'
import { UNSUPPORTED_OPERATIONS } from '../../helpers/provider.js'
import type { Args, ModelName, WriteOperation, WriteSpec } from '../operations.js'

/** `fc.record` with ordinary prototypes (counterexamples print without `__proto__: null`). */
export function record<T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(fields, { noNullPrototype: true })
}

/** Merges the objects the arbitraries produce; `fallback` when the result would be empty. */
export function merge(fallback: Args, ...parts: fc.Arbitrary<Args>[]): fc.Arbitrary<Args> {
  return fc.tuple(...parts).map((objects) => {
    const out = Object.assign({}, ...objects) as Args
    return Object.keys(out).length > 0 ? out : { ...fallback }
  })
}

/** Some of the given fields (possibly none). */
export function someOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Args> {
  return fc.record(fields, { requiredKeys: [], noNullPrototype: true }) as fc.Arbitrary<Args>
}

/** Nothing, or one of the given objects. */
export function maybeOne(...choices: fc.Arbitrary<Args>[]): fc.Arbitrary<Args> {
  return fc.oneof({ weight: choices.length, arbitrary: fc.constant({}) }, ...choices.map((arbitrary) => ({ weight: 1, arbitrary })))
}

/** Relative frequency of each write operation. */
const WEIGHTS: Record<WriteOperation, number> = {
  create: 3, createMany: 1, createManyAndReturn: 1, update: 6, updateMany: 2, updateManyAndReturn: 1, upsert: 2, delete: 2, deleteMany: 1,
}

/** The writes of one model: an args arbitrary per operation (those the provider offers). */
export function modelWrites(model: ModelName, byOp: Record<WriteOperation, fc.Arbitrary<Args>>): fc.Arbitrary<WriteSpec> {
  return fc.oneof(
    ...(Object.entries(byOp) as [WriteOperation, fc.Arbitrary<Args>][]).filter(([op]) => !UNSUPPORTED_OPERATIONS.has(op)).map(([op, args]) => ({
      weight: WEIGHTS[op],
      arbitrary: args.map((a): WriteSpec => ({ model, op, args: a })),
    })),
  )
}

/** `[{ id }, ...]` from a list of ids. */
export const idsOf = (ids: number[]) => ids.map((id) => ({ id }))
