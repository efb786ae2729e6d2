/**
 * The CLI's Redis: one fail-fast connection, and the namespace walked with SCAN in batches (never
 * KEYS), so a keyspace of millions of keys is never held in memory at once.
 */
import { Redis } from 'ioredis'
import { CliError } from './output.js'

/** Keys examined per SCAN call (Redis' COUNT hint), and the size of each pipelined batch. */
const SCAN_COUNT = 5000

/** Connects to `url`; a server that does not answer is a failure (exit 1), not a hang. */
export async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000, retryStrategy: () => null })
  client.on('error', () => {}) // reported through the failed command below
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    client.disconnect()
    throw new CliError(`cannot reach Redis at ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return client
}

/** `url` without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}

/**
 * Every key matching `pattern`, one SCAN batch at a time. `onExamined` is told roughly how many
 * keys of the whole keyspace each call walked (SCAN's COUNT), for a progress bar.
 */
export async function* scanBatches(client: Redis, pattern: string, onExamined?: (count: number) => void): AsyncGenerator<string[]> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
    cursor = next
    onExamined?.(SCAN_COUNT)
    if (keys.length > 0) yield keys
  } while (cursor !== '0')
}

/** Results of a pipeline, throwing the first error. */
export async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? []
  return results.map(([error, value]) => {
    if (error) throw error
    return value
  })
}
