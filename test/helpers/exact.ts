/**
 * Structural equality that vitest's `toStrictEqual` cannot give for Json data with an own
 * `constructor` key (it compares `a.constructor` by identity). Walks own property names in order,
 * compares prototypes, and compares primitives with `Object.is`. For Json data only: objects with
 * internal slots (Date, Decimal, typed arrays) have no own properties to compare.
 */
import { expect } from 'vitest'

/** Asserts `actual` has the same own keys (in order), prototypes and primitive values as `expected`, at every depth. */
export function expectSameData(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} is ${String(expected)}`).toBe(true)
    return
  }
  expect(typeof actual, `${path} is an object`).toBe('object')
  expect(actual, `${path} is not null`).not.toBeNull()
  expect(Object.getPrototypeOf(actual), `${path} prototype`).toBe(Object.getPrototypeOf(expected))
  const names = Object.getOwnPropertyNames(expected)
  expect(Object.getOwnPropertyNames(actual), `${path} own keys`).toEqual(names)
  for (const name of names) {
    const a = Object.getOwnPropertyDescriptor(actual, name)!.value
    const e = Object.getOwnPropertyDescriptor(expected, name)!.value
    expectSameData(a, e, `${path}.${JSON.stringify(name)}`)
  }
}
