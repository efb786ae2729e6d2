/**
 * `npx tsx bench/telemetry.ts`: only the telemetry-overhead scenario of `npm run bench` (a
 * findUnique hit with `telemetry: false` vs the default, @opentelemetry/api installed, no SDK),
 * on a bench database and Redis logical database of its own settings (BENCH_DB_NAME, BENCH_REDIS_DB).
 */
import { randomBytes } from 'node:crypto'
import { config } from './helpers/config.js'
import { createBenchDatabase } from './helpers/database.js'
import { telemetryLine } from './helpers/format.js'
import { telemetryOverhead } from './scenarios/telemetry.js'

const databaseUrl = await createBenchDatabase()
const telemetry = await telemetryOverhead({ databaseUrl, redisUrl: config.redisUrl, redisDb: config.redisDb }, { ...config.seed, runToken: randomBytes(3).toString('hex') })
console.log(telemetryLine({ telemetry }))
if (!('error' in telemetry)) for (const s of telemetry.stores) console.log(`${s.store}: off p50 ${(s.off.p50 * 1000).toFixed(2)} µs p99 ${(s.off.p99 * 1000).toFixed(2)} µs (${s.off.samples} samples); on p50 ${(s.on.p50 * 1000).toFixed(2)} µs p99 ${(s.on.p99 * 1000).toFixed(2)} µs (${s.on.samples} samples)`)
process.exit(0)
