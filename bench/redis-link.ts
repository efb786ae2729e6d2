/**
 * A Redis that is not on this machine, for the miss figures (`npx tsx bench/redis-link.ts [port]
 * [delayMs]`, defaults 6390 and 1): a TCP proxy to `REDIS_URL` (default 127.0.0.1:6379) that holds
 * every reply for `delayMs`, so each round trip costs what one to a Redis on another host does
 * (a managed Redis in another availability zone: ~0.5–1 ms). Requests pass at once, so the server
 * works as usual. It runs as a process of its own: proxying inside the measured process would put
 * its CPU on the measured thread. Point the bench at it in another terminal:
 *
 *   REDIS_URL=redis://127.0.0.1:6390 BENCH_ONLY=findUnique-miss,findMany-include-miss \
 *     BENCH_RESULTS_DIR=/tmp/remote-redis npm run bench
 *
 * On loopback a round trip costs ~50 µs and the client's CPU per command about as much, so a miss
 * is priced by CPU; over a real link it is priced by round trips, the case the miss path is built for.
 * Node's timers have millisecond resolution: delays below 1 ms are not possible here.
 */
import { slowLink } from '../test/helpers/broken-redis.js'

const port = Number(process.argv[2] ?? 6390)
const delayMs = Number(process.argv[3] ?? 1)
const target = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
if (!Number.isInteger(port) || !(delayMs >= 1)) {
  console.error('usage: npx tsx bench/redis-link.ts [port] [delayMs ≥ 1]')
  process.exit(2)
}

await slowLink({ host: target.hostname, port: Number(target.port || 6379) }, delayMs, port)
console.error(`redis-link: 127.0.0.1:${port} → ${target.host}, replies held ${delayMs} ms`)
