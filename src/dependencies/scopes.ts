/**
 * Tenant-scoped invalidation (option `scopedModels`). The rows of a scoped model belong to the
 * current `scope` (a tenant), so a write made under scope S cannot change what another scope
 * reads from that model. Each tag T of a scoped model gets two variants:
 *
 *   s:<S>:T    bumped by writes made under scope S      read by entries of scope S
 *   s:_:T      bumped by every scoped write              read by unscoped entries
 *   T          bumped by unscoped writes only            read by every entry (any scope)
 *
 * so a write under S misses S's entries and the unscoped ones, and an unscoped write (a job, an
 * admin, raw SQL, `$cache.invalidate`) misses every scope's. <S> is the key segment of the scope
 * (keys.ts), so it holds no `:`.
 *
 * When in doubt, wider: a write narrows to its scope only when its own model is scoped (a write
 * to a shared model that cascades into scoped rows reaches every tenant's rows), and tags of
 * models that are not scoped always stay global.
 */
import { scopeSegment } from '../codec/keys.js'

/** The scoped models and the scope of the current read or write. */
export interface Scoping {
  models: ReadonlySet<string>
  scope: string | undefined
}

const UNSCOPED = '_'

/** The model a tag belongs to (`m:<Model>`, `r:<Model>:...`); undefined for user tags. */
function modelOf(tag: string): string | undefined {
  if (!tag.startsWith('m:') && !tag.startsWith('r:')) return undefined
  const end = tag.indexOf(':', 2)
  return tag.slice(2, end < 0 ? undefined : end)
}

function segment(scope: string | undefined): string {
  return scope === undefined ? UNSCOPED : scopeSegment(scope)
}

/** Whether any tag belongs to a scoped model. */
export function touchesScopedModel(tags: readonly string[], scoping: Scoping | undefined): boolean {
  if (!scoping || scoping.models.size === 0) return false
  return tags.some((tag) => scoping.models.has(modelOf(tag) ?? ''))
}

/** The tags a read depends on: each tag of a scoped model plus its variant for the read's scope. */
export function scopeReadTags(tags: string[], scoping: Scoping | undefined): string[] {
  if (!touchesScopedModel(tags, scoping)) return tags
  const seg = segment(scoping!.scope)
  const out: string[] = []
  for (const tag of tags) {
    out.push(tag)
    if (scoping!.models.has(modelOf(tag) ?? '')) out.push(`s:${seg}:${tag}`)
  }
  return out
}

/**
 * The tags a write on `model` bumps: unchanged unless the write was made under a scope and
 * `model` itself is scoped; then each tag of a scoped model becomes its two scoped variants.
 */
export function scopeWriteTags(tags: string[], model: string | undefined, scoping: Scoping | undefined): string[] {
  if (!scoping || scoping.scope === undefined || model === undefined || !scoping.models.has(model)) return tags
  const seg = segment(scoping.scope)
  const out = new Set<string>()
  for (const tag of tags) {
    if (!scoping.models.has(modelOf(tag) ?? '')) out.add(tag)
    else out.add(`s:${seg}:${tag}`).add(`s:${UNSCOPED}:${tag}`)
  }
  return [...out]
}

/**
 * The scoping of a write or an uncached read happening now: `undefined` without `scopedModels`.
 * A throwing `scope()` counts as no scope: a write then invalidates every scope's entries (wider).
 */
export function scopingNow(models: ReadonlySet<string>, scope: (() => string | undefined) | undefined): Scoping | undefined {
  if (models.size === 0) return undefined
  try {
    return { models, scope: scope?.() }
  } catch {
    return { models, scope: undefined }
  }
}
