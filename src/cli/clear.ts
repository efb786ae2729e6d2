/**
 * `prisma-query-cache clear`: deletes every key of the namespace — and only those: SCAN with
 * `MATCH <namespace>:*` (the namespace escaped, the colon included, so `pqc` never matches
 * `pqc2:...`), UNLINK per batch. Asks first unless `--yes`.
 */
import { createInterface } from 'node:readline/promises'
import type { Redis } from 'ioredis'
import { escapeGlob } from '../stores/redis-driver.js'
import { CliError, emit, formatMs, progress, type GlobalOptions } from './output.js'
import { redact, scanBatches } from './redis.js'

/** The `--json` output of `clear`. */
export interface ClearReport {
  namespace: string
  deleted: number
  durationMs: number
}

/** Asks on the terminal (or reads one line of piped stdin); only `y`/`yes` goes ahead. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await Promise.race([rl.question(question), new Promise<string>((resolve) => rl.once('close', () => resolve('')))])
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** Deletes the namespace's keys, asking first unless `yes`. */
export async function clear(client: Redis, options: GlobalOptions, yes: boolean): Promise<ClearReport> {
  if (!yes && !(await confirm(`Delete every key of namespace "${options.namespace}" on ${redact(options.redis)}? [y/N] `))) {
    throw new CliError('clear: not confirmed, nothing deleted (pass --yes to skip the question)')
  }
  const started = performance.now()
  const bar = progress(options, 'clear', await client.dbsize(), 'keys scanned')
  let deleted = 0
  try {
    for await (const keys of scanBatches(client, escapeGlob(options.namespace) + ':*', (n) => bar.increment(n))) {
      deleted += await client.unlink(...keys)
    }
  } finally {
    bar.stop()
  }
  // Tiered processes on the channel drop their L1 copies (the message redisStore.clear() sends).
  await client.publish(options.channel, JSON.stringify({ type: 'clear', prefix: options.namespace + ':', origin: 'prisma-query-cache-cli' }))
  return { namespace: options.namespace, deleted, durationMs: Math.round(performance.now() - started) }
}

/** Prints a {@link ClearReport}. */
export function printClear(options: GlobalOptions, report: ClearReport): void {
  emit(options, report, () => `deleted ${report.deleted.toLocaleString('en-US')} keys of namespace "${report.namespace}" in ${formatMs(report.durationMs)}`)
}
