/**
 * Counting: operations executed, how the cache answered each cached read (hit rate = hits / cached
 * reads), and how writes ended (failures are expected: unique violations, rows not found).
 */

/** Counters of one checker run. */
export class Tally {
  ops = 0
  cachedReads = 0
  mutations = 0
  failedMutations = 0
  /** Cache status of each cached read: hit, miss, stale, bypass, error, thrown. */
  readonly statuses = new Map<string, number>()
  /** Why mutations failed (Prisma code or error class). */
  readonly mutationErrors = new Map<string, number>()
  /** Why reads threw (the oracle threw the same, or it is a violation). */
  readonly readErrors = new Map<string, number>()
  /** Comparisons made, by check (verify, read-after-write, read-during-write, tx-bypass). */
  readonly checks = new Map<string, number>()

  checked(kind: string): void {
    bump(this.checks, kind)
  }

  read(status: string, error?: string): void {
    this.ops++
    this.cachedReads++
    bump(this.statuses, status)
    if (error) bump(this.readErrors, error)
  }

  mutation(ok: boolean, error?: string): void {
    this.ops++
    this.mutations++
    if (!ok) {
      this.failedMutations++
      bump(this.mutationErrors, error ?? 'unknown')
    }
  }

  /** Hits / cached reads. */
  get hitRate(): number {
    return this.cachedReads === 0 ? 0 : (this.statuses.get('hit') ?? 0) / this.cachedReads
  }

  /** One line: `ops 10234 (reads 6100, mutations 4134, 1200 rejected) · hit rate 41.2% · statuses hit 2513, miss 3400, …`. */
  summary(): string {
    return `ops ${this.ops} (cached reads ${this.cachedReads}, mutations ${this.mutations}, ${this.failedMutations} rejected) · ` +
      `hit rate ${(this.hitRate * 100).toFixed(1)}% · statuses ${format(this.statuses)}`
  }

  /** Why writes and reads failed, most frequent first, and the comparisons made. */
  errors(): string {
    return `mutation errors: ${format(this.mutationErrors) || 'none'} · read errors: ${format(this.readErrors) || 'none'} · comparisons: ${format(this.checks)}`
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

function format(map: Map<string, number>): string {
  return [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')
}
