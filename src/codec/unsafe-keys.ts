/**
 * superjson refuses objects with own keys `__proto__`, `constructor` or `prototype` (a pollution
 * guard), yet a Prisma `Json` column can hold them as plain data. We rename such keys by appending
 * a NUL before encoding (and append one more to keys that already look escaped, so the mapping
 * stays reversible), and restore them after decoding with `defineProperty` — assignment would set
 * the prototype instead of creating the key.
 */
// eslint-disable-next-line no-control-regex -- NUL is the escape marker, on purpose
const UNSAFE = /^(__proto__|constructor|prototype)\u0000*$/
// eslint-disable-next-line no-control-regex -- NUL is the escape marker, on purpose
const ESCAPED = /^(__proto__|constructor|prototype)\u0000+$/

/** Returns a copy of `value` whose unsafe keys are escaped. */
export function escapeUnsafeKeys(value: unknown): unknown {
  return mapKeys(value, (key) => (UNSAFE.test(key) ? key + '\u0000' : key))
}

/** Reverses {@link escapeUnsafeKeys} in place-free fashion. */
export function restoreUnsafeKeys(value: unknown): unknown {
  return mapKeys(value, (key) => (ESCAPED.test(key) ? key.slice(0, -1) : key))
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename))
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return value
  }
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, rename(key), {
      value: mapKeys((value as Record<string, unknown>)[key], rename),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
