/**
 * Signed entries (option `sign`). An attacker who can write to the Redis the cache uses could
 * otherwise plant any value as a "cached result". With a secret, every stored entry is prefixed
 * with an HMAC-SHA-256 over its store key and its bytes; a reader checks it before anything is
 * parsed or decoded, so a forged, altered or moved entry (copied under another key, e.g. another
 * tenant's) is a miss. Several secrets allow rotation: the first signs, every one verifies.
 *
 * Stored layout: `pqs1` + 43 characters of base64url MAC + the unsigned entry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { CacheSignatureError } from '../errors.js'

const MARK = 'pqs1'
const MAC_CHARS = 43 // base64url of 32 bytes
const PREFIX_CHARS = MARK.length + MAC_CHARS

/** Signs and verifies stored entries with one or more secrets. */
export interface Signer {
  /** `envelope` with its MAC in front, bound to `key`. */
  seal(key: string, envelope: string | Buffer): string | Buffer
  /** The unsigned entry inside `raw`; throws {@link CacheSignatureError} when the MAC is missing or wrong. */
  open(key: string, raw: string | Buffer): string | Buffer
}

/** A signer over `secrets` (the first signs; all verify). */
export function createSigner(secrets: readonly Buffer[]): Signer {
  const mac = (secret: Buffer, key: string, body: string | Buffer): Buffer => {
    const keyBytes = Buffer.from(key)
    const length = Buffer.alloc(4)
    length.writeUInt32BE(keyBytes.length)
    // The key is length-prefixed so no (key, body) pair can be re-split into another.
    return createHmac('sha256', secret).update(length).update(keyBytes).update(body).digest()
  }
  return {
    seal(key, envelope) {
      const head = MARK + mac(secrets[0]!, key, envelope).toString('base64url')
      return typeof envelope === 'string' ? head + envelope : Buffer.concat([Buffer.from(head, 'latin1'), envelope])
    },
    open(key, raw) {
      const body = withoutSignature(raw)
      if (body === undefined) throw new CacheSignatureError(`stored entry ${key} is not signed`)
      const given = Buffer.from(typeof raw === 'string' ? raw.slice(MARK.length, PREFIX_CHARS) : raw.toString('latin1', MARK.length, PREFIX_CHARS), 'base64url')
      if (given.length === 32) {
        for (const secret of secrets) if (timingSafeEqual(given, mac(secret, key, body))) return body
      }
      throw new CacheSignatureError(`stored entry ${key} has a wrong signature`)
    },
  }
}

/**
 * The unsigned entry inside `raw` when it carries a signature, its MAC not checked (`undefined`
 * when `raw` is not signed): what `open` verifies, and what the CLI reads headers from without
 * the application's secret.
 */
export function withoutSignature(raw: string | Buffer): string | Buffer | undefined {
  const mark = typeof raw === 'string' ? raw.slice(0, MARK.length) : raw.toString('latin1', 0, MARK.length)
  if (raw.length < PREFIX_CHARS || mark !== MARK) return undefined
  return typeof raw === 'string' ? raw.slice(PREFIX_CHARS) : raw.subarray(PREFIX_CHARS)
}
