/**
 * The comparison with the database: deep equality by value for the schema's exact types
 * (Decimal, Date, BigInt, bytes, Json), with prototypes checked too (a cached Decimal must still
 * be a Decimal). Returns where two results first differ, or undefined when they are equal.
 */
import type { Outcome } from './execute.js'

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return Object.getPrototypeOf(value)?.constructor?.name ?? 'Object(null)'
}

function isDecimal(value: unknown): value is { toFixed(): string } {
  return typeName(value) === 'Decimal' && typeof (value as { toFixed?: unknown }).toFixed === 'function'
}

const show = (value: unknown): string => {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Date) return value.toISOString()
  if (isDecimal(value)) return `Decimal(${value.toFixed()})`
  if (value instanceof Uint8Array) return `bytes[${[...value].join(',')}]`
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  return text === undefined ? String(value) : text.length > 200 ? text.slice(0, 200) + '…' : text
}

/** Where `actual` first differs from `expected` (`$.path: actual ≠ expected`), or undefined. */
export function difference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  const differs = () => `${path}: ${show(actual)} ≠ ${show(expected)}`
  if (typeof expected !== 'object' || expected === null) return Object.is(actual, expected) ? undefined : differs()
  if (typeName(actual) !== typeName(expected)) return `${path}: a ${typeName(actual)} ${show(actual)} ≠ a ${typeName(expected)} ${show(expected)}`
  if (expected instanceof Date) return (actual as Date).getTime() === expected.getTime() ? undefined : differs()
  if (isDecimal(expected)) return (actual as { toFixed(): string }).toFixed() === expected.toFixed() ? undefined : differs()
  if (expected instanceof Uint8Array) {
    const a = actual as Uint8Array
    return a.length === expected.length && a.every((byte, i) => byte === expected[i]) ? undefined : differs()
  }
  if (Array.isArray(expected)) {
    const a = actual as unknown[]
    if (a.length !== expected.length) return `${path}: ${a.length} elements ≠ ${expected.length} — ${show(actual)} ≠ ${show(expected)}`
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], expected[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  const actualKeys = Object.keys(actual as object).sort()
  const expectedKeys = Object.keys(expected).sort()
  if (actualKeys.join() !== expectedKeys.join()) return `${path}: keys ${actualKeys.join(',')} ≠ ${expectedKeys.join(',')}`
  for (const key of expectedKeys) {
    const d = difference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`)
    if (d) return d
  }
  return undefined
}

/** Where two outcomes differ: both values (deeply), or both errors (by code). */
export function outcomeDifference(actual: Outcome, expected: Outcome): string | undefined {
  if (actual.ok && expected.ok) return difference(actual.value, expected.value)
  if (!actual.ok && !expected.ok) return actual.error === expected.error ? undefined : `error ${actual.error} ≠ error ${expected.error}`
  return actual.ok ? `${show(actual.value)} ≠ error ${(expected as { error: string }).error}` : `error ${actual.error} ≠ ${show((expected as { value: unknown }).value)}`
}
