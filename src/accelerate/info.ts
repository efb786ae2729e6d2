/** `CacheInfo` (how the extension answered a read) in the shape of Accelerate's `AccelerateInfo`. */
import { createHash, randomUUID } from 'node:crypto'
import type { CacheInfo, CacheStatus } from '../types.js'
import type { AccelerateInfo } from './types.js'

const STATUS: Record<CacheStatus, AccelerateInfo['cacheStatus']> = {
  hit: 'ttl',
  stale: 'swr',
  miss: 'miss',
  bypass: 'none',
  // The store failed and the database answered; nothing is known to be cached.
  error: 'none',
}

/** The region every read reports: the cache is the app's own store. */
const LOCAL_REGION = 'local'

/** Maps one read's {@link CacheInfo}; `now` is when the read resolved. */
export function accelerateInfo(info: CacheInfo, now = Date.now()): AccelerateInfo {
  return {
    cacheStatus: STATUS[info.status],
    // A hit's entry was stored `age` ms ago; anything else came from the database just now.
    lastModified: new Date(now - (info.age ?? 0)),
    region: LOCAL_REGION,
    requestId: randomUUID(),
    // A hash, not the key itself: keys carry the `scope` value (a tenant or user id), logs should not.
    signature: info.key === undefined ? 'unspecified' : createHash('sha256').update(info.key).digest('hex').slice(0, 32),
  }
}
