/**
 * Run settings, from the environment: `BENCH_QUICK=1` for a ~30 s smoke run, `BENCH_RESULTS_DIR`
 * for where results go, `DATABASE_URL` / `REDIS_URL` for the services (the bench makes its own
 * database and uses its own Redis logical database, flushed before and after).
 */
import { fileURLToPath } from 'node:url'

const quick = process.env.BENCH_QUICK === '1'

/** Settings of one run. */
export const config = {
  quick,
  /** The server the bench database is created on (any database there works as the admin one). */
  adminUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
  /** The bench's own database, dropped and recreated on every run. */
  databaseName: process.env.BENCH_DB_NAME ?? 'pqc_bench',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  /** Redis logical database the bench owns (FLUSHDB before and after). */
  redisDb: Number(process.env.BENCH_REDIS_DB ?? (quick ? 14 : 15)),
  resultsDir: process.env.BENCH_RESULTS_DIR ?? fileURLToPath(new URL('../results/', import.meta.url)),
  schemaSqlPath: process.env.BENCH_SCHEMA_SQL ?? fileURLToPath(new URL('../../prisma/schema.sql', import.meta.url)),
  /** Rows seeded. */
  seed: quick ? { users: 300, products: 200, orders: 2_000 } : { users: 1_000, products: 200, orders: 5_000 },
  /**
   * Round-robin rounds per workload and the time each contestant gets per round (ms);
   * `BENCH_ROUNDS`, `BENCH_ROUND_MS`. Many short rounds rather than a few long ones: this VM has
   * slow and fast phases lasting seconds, and short turns spread them over every contestant
   * (bench/README.md, "How it measures").
   */
  rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 24)),
  roundMs: Number(process.env.BENCH_ROUND_MS ?? (quick ? 40 : 100)),
  /**
   * Before its first round, each contestant runs the timed call this many times, or for `warmMs`,
   * whichever ends first: V8 is still compiling a miss path after thousands of calls, and
   * tinybench's own 100 ms warm-up is a hundred misses.
   */
  warmCalls: quick ? 0 : 3_000,
  warmMs: quick ? 0 : 2_000,
  /** Concurrent reads in flight for the throughput workload. */
  inFlight: 50,
  /** Rows of the large findMany. */
  largeRows: 2_000,
  /** Identical cold reads fired at once by the stampede probe. */
  stampede: 200,
  /** Longest the Redis-down probe waits for one read (ms). */
  redisDownCapMs: quick ? 1_500 : 12_000,
  /** Entries written to measure memory per entry. */
  memoryEntries: quick ? 200 : 2_000,
  /** Time each micro-benchmark gets (ms). */
  microMs: quick ? 50 : 400,
}
