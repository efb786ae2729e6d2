/**
 * `npm run cli:million`: times `prisma-query-cache stats` on a namespace of 1,000,000 keys.
 * Fills Redis (REDIS_URL, default localhost) under a namespace of its own with pipelined SETs,
 * runs the real CLI on it, prints the CLI's own time and the wall time, then deletes exactly that
 * namespace (SCAN + UNLINK). Kept out of `npm test`: filling and scanning take longer than CI
 * should spend; the tests run the same command over 20,000 keys.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const total = Number(process.env.KEYS ?? 1_000_000)
const namespace = 'million_' + randomBytes(4).toString('hex')
const models = ['User', 'Product', 'Order', 'Post', 'Category']
const operations = ['findUnique', 'findMany', 'count']
const redis = new Redis(url)

async function fill(): Promise<void> {
  const started = performance.now()
  for (let start = 0; start < total; start += 10_000) {
    const pipeline = redis.pipeline()
    for (let i = start; i < Math.min(total, start + 10_000); i++) {
      const key = `${namespace}:e:0123456789ab:${models[i % models.length]}:${operations[i % operations.length]}:_:${i.toString(36)}`
      pipeline.set(key, 'pqc1{"d":[],"c":0,"f":0,"s":0}\n{}', 'PX', 3_600_000)
    }
    await pipeline.exec()
  }
  console.log(`filled ${total.toLocaleString('en-US')} keys under ${namespace} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

async function drop(): Promise<void> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 5000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
  } while (cursor !== '0')
  console.log(`deleted ${deleted.toLocaleString('en-US')} keys of ${namespace}`)
}

try {
  await fill()
  const root = fileURLToPath(new URL('../', import.meta.url))
  const started = performance.now()
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'stats', '--json', '--redis', url, '--namespace', namespace], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const wallMs = performance.now() - started
  if (run.status !== 0) throw new Error(`stats exited ${run.status}: ${run.stderr}`)
  const report = JSON.parse(run.stdout) as { keys: number; bytes: number; databaseKeys: number; durationMs: number }
  console.log(`stats: ${report.keys.toLocaleString('en-US')} keys (${(report.bytes / 1024 / 1024).toFixed(1)} MiB) of ${report.databaseKeys.toLocaleString('en-US')} in the database`)
  console.log(`stats took ${(report.durationMs / 1000).toFixed(1)} s (CLI's own measure), ${(wallMs / 1000).toFixed(1)} s wall time including start-up`)
  if (report.keys !== total) throw new Error(`expected ${total} keys, stats counted ${report.keys}`)
} finally {
  await drop()
  redis.disconnect()
}
