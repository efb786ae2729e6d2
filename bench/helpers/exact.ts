/**
 * Deep equality that also compares prototypes, for the exact-types probe: a hit must give a
 * `Date`, a `bigint`, a `Prisma.Decimal` and bytes, not their JSON shadows.
 */

/** Describes a value's type for a message: `Decimal`, `Date`, `string`, `bigint`, ... */
export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'Object'
}

/** The first place where `actual` differs from `expected`, or `undefined` when they are the same. */
export function firstDifference(actual: unknown, expected: unknown, path = ''): string | undefined {
  if (typeof expected !== 'object' || expected === null) {
    if (Object.is(actual, expected)) return undefined
    return `${path || 'value'}: ${typeName(actual)} ${short(actual)} instead of ${typeName(expected)} ${short(expected)}`
  }
  if (typeof actual !== 'object' || actual === null || Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    return `${path || 'value'}: ${typeName(actual)} instead of ${typeName(expected)}`
  }
  if (expected instanceof Date) return (actual as Date).getTime() === expected.getTime() ? undefined : `${path}: other date`
  if (expected instanceof Uint8Array) return Buffer.compare(Buffer.from(actual as Uint8Array), Buffer.from(expected)) === 0 ? undefined : `${path}: other bytes`
  if (!Array.isArray(expected) && Object.getPrototypeOf(expected) !== Object.prototype && Object.getPrototypeOf(expected) !== null) {
    return String(actual) === String(expected) ? undefined : `${path}: ${String(actual)} instead of ${String(expected)}`
  }
  const keys = Object.keys(expected)
  const actualKeys = Object.keys(actual)
  const missing = keys.find((k) => !actualKeys.includes(k))
  if (missing !== undefined) return `${path}.${missing} missing`
  for (const key of keys) {
    const diff = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`.replace(/^\./, ''))
    if (diff) return diff
  }
  return undefined
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length > 24 ? text.slice(0, 21) + '...' : text
}
