/**
 * How the Redis path's compression was chosen: `npx tsx bench/compression.ts` compresses a
 * 2,000-row result (the large-hit workload's shape) with deflate (levels 1 and 6) and brotli
 * (quality 1), and times a Redis GET of it plain and compressed plus the decompression, in one run.
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib'
import { Redis } from 'ioredis'
import { serializeValue } from '../src/codec/entry.js'
import { config } from './helpers/config.js'

const rows = Array.from({ length: 2000 }, (_, i) => ({
  id: i, email: `user${i}@example.com`, name: `User number ${i}`, createdAt: new Date(1_700_000_000_000 + i * 1000),
  bio: i % 3 ? null : `Some bio text that repeats a bit ${i}`, score: i * 3.5, stock: 2n ** 55n + BigInt(i),
}))
const { text } = serializeValue(rows)
const brotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }
const codecs = {
  'deflate level 1': { pack: (t: string) => deflateRawSync(t, { level: 1 }), unpack: (b: Buffer) => inflateRawSync(b) },
  'deflate level 6': { pack: (t: string) => deflateRawSync(t, { level: 6 }), unpack: (b: Buffer) => inflateRawSync(b) },
  'brotli quality 1': { pack: (t: string) => brotliCompressSync(t, brotliOptions), unpack: (b: Buffer) => brotliDecompressSync(b) },
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!
}
function timeSync(fn: () => unknown, n = 40): number {
  return median(Array.from({ length: n }, () => {
    const start = performance.now()
    fn()
    return performance.now() - start
  }))
}
async function timeAsync(fn: () => Promise<unknown>, n = 60): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  return median(samples)
}

const redis = new Redis(config.redisUrl, { db: config.redisDb })
const key = `pqc-compression-bench:${process.pid}`
console.log(`payload ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB (2,000 rows)\n`)
console.log('| codec | size | compress p50 | GET + decompress p50 |\n|---|---:|---:|---:|')
await redis.set(key, text, 'PX', 60_000)
console.log(`| none | 100% | – | ${(await timeAsync(() => redis.getBuffer(key))).toFixed(2)} ms |`)
for (const [name, codec] of Object.entries(codecs)) {
  const packed = codec.pack(text)
  await redis.set(key, packed, 'PX', 60_000)
  const fetch = await timeAsync(async () => codec.unpack((await redis.getBuffer(key))!))
  console.log(`| ${name} | ${((100 * packed.length) / Buffer.byteLength(text)).toFixed(1)}% | ${timeSync(() => codec.pack(text)).toFixed(2)} ms | ${fetch.toFixed(2)} ms |`)
}
await redis.del(key)
redis.disconnect()
