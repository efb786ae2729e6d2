/**
 * What a key of the namespace is, read from its layout (src/keys.ts):
 *   <ns>:e:<fingerprint>:<Model>:<operation>:<scope>:<hash>   entry of a Prisma read
 *   <ns>:u:<key>   entry of the key/value API     <ns>:v:<tag>   dependency version
 *   <ns>:l:<...>   stampede lock
 * A store on a Redis Cluster adds the bucket's hash tag after the kind (`<ns>:e:{7.41}:…`,
 * codec/key-layout.ts); it is skipped here.
 */

/** The kind of a namespaced key, and for entries their model and operation. */
export interface KeyInfo {
  kind: 'entry' | 'kv' | 'version' | 'lock' | 'other'
  model?: string
  operation?: string
}

/** Classifies `key`, which starts with `<namespace>:`. */
export function describeKey(namespace: string, key: string): KeyInfo {
  const rest = key.slice(namespace.length + 1)
  const kind = rest.slice(0, 2)
  if (kind === 'e:') {
    const parts = rest.split(':', 5)
    if (parts[1]?.startsWith('{')) parts.splice(1, 1)
    return parts.length >= 4 ? { kind: 'entry', model: parts[2]!, operation: parts[3]! } : { kind: 'other' }
  }
  if (kind === 'u:') return { kind: 'kv' }
  if (kind === 'v:') return { kind: 'version' }
  if (kind === 'l:') return { kind: 'lock' }
  return { kind: 'other' }
}

/** The label a non-entry kind is shown under in `stats`. */
export const KIND_LABELS: Record<Exclude<KeyInfo['kind'], 'entry'>, string> = {
  kv: '($cache key/value)',
  version: '(dependency versions)',
  lock: '(stampede locks)',
  other: '(other keys)',
}
