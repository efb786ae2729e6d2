/**
 * `prisma-query-cache inspect <model|key>`: each entry with its age, TTL, size, the dependency
 * versions it was stored under and whether it is still valid (every recorded version is still
 * the current `<ns>:v:<tag>` value, and the entry is inside its stale window). Reads entry headers
 * only: values are never decoded nor printed. Signed entries (option `sign`) are read past their
 * signature, which the CLI cannot check without the secret: they are marked `signed`.
 */
import type { Redis } from 'ioredis'
import { versionKey } from '../codec/keys.js'
import { parseEntry } from '../codec/entry.js'
import { withoutSignature } from '../codec/signer.js'
import { escapeGlob } from '../stores/redis-driver.js'
import { describeKey } from './keys.js'
import { CliError, emit, formatBytes, formatMs, table, UsageError, type GlobalOptions } from './output.js'
import { execPipeline, scanBatches } from './redis.js'

/** One inspected entry. */
export interface InspectedEntry {
  key: string
  model?: string
  operation?: string
  ageMs?: number
  ttlMs: number
  bytes: number
  /** Inside its `ttl` (a hit), as opposed to its `swr` window (served stale). */
  fresh?: boolean
  /** Would be served: every dependency version is current and the entry is not past its stale window. */
  valid: boolean
  /** Why it is not valid. */
  reason?: string
  /** Written with option `sign`: `valid` says nothing of its signature, which is not checked. */
  signed?: boolean
  dependencies: { tag: string; version: string; current: string | null; ok: boolean }[]
}

/** The `--json` output of `inspect`. */
export interface InspectReport {
  target: string
  /** Entries found (all of them, whatever `--limit`). */
  total: number
  valid: number
  entries: InspectedEntry[]
  durationMs: number
}

/** Inspects one key, or the entries of one model (the first `limit` listed, all counted). */
export async function inspect(client: Redis, options: GlobalOptions, target: string, limit: number): Promise<InspectReport> {
  const started = performance.now()
  const { namespace } = options
  const report: InspectReport = { target, total: 0, valid: 0, entries: [], durationMs: 0 }
  const take = (entries: InspectedEntry[]) => {
    for (const entry of entries) {
      report.total++
      if (entry.valid) report.valid++
      if (report.entries.length < limit) report.entries.push(entry)
    }
  }
  if (target.startsWith(namespace + ':')) {
    const [entry] = await inspectKeys(client, namespace, [target])
    if (!entry) throw new CliError(`no key ${target}`)
    take([entry])
  } else {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) throw new UsageError(`inspect: "${target}" is neither a Prisma model name nor a key of namespace "${namespace}"`)
    const pattern = `${escapeGlob(namespace)}:e:*:${escapeGlob(target)}:*`
    for await (const keys of scanBatches(client, pattern)) {
      const own = keys.filter((k) => describeKey(namespace, k).model === target)
      if (own.length > 0) take(await inspectKeys(client, namespace, own))
    }
  }
  report.durationMs = Math.round(performance.now() - started)
  return report
}

/** Prints an {@link InspectReport}. */
export function printInspect(options: GlobalOptions, report: InspectReport): void {
  emit(options, report, () => {
    const rows = report.entries.map((e) => [
      e.key,
      e.ageMs === undefined ? '-' : formatMs(e.ageMs),
      e.ttlMs < 0 ? 'none' : formatMs(e.ttlMs),
      formatBytes(e.bytes),
      (e.valid ? (e.fresh ? 'valid' : 'valid (stale)') : `invalid: ${e.reason}`) + (e.signed ? ', signature not checked' : ''),
      e.dependencies.map((d) => (d.ok ? d.tag : `${d.tag} (changed)`)).join(' '),
    ])
    const shown = report.entries.length < report.total ? ` (first ${report.entries.length} shown)` : ''
    return [
      report.total === 0 ? `no entries for ${report.target}` : table(['key', 'age', 'ttl', 'size', 'status', 'dependencies'], rows, 'lrrrll'),
      '',
      `${report.total} entries, ${report.valid} valid${shown}, in ${formatMs(report.durationMs)}`,
    ].join('\n')
  })
}

async function inspectKeys(client: Redis, namespace: string, keys: string[]): Promise<InspectedEntry[]> {
  const pipeline = client.pipeline()
  for (const key of keys) {
    pipeline.getBuffer(key)
    pipeline.pttl(key)
    pipeline.memory('USAGE', key)
  }
  const results = await execPipeline(pipeline)
  const now = Date.now()
  const found: { key: string; raw: Buffer; ttlMs: number; bytes: number }[] = []
  keys.forEach((key, i) => {
    const raw = results[3 * i] as Buffer | null
    if (raw !== null) found.push({ key, raw, ttlMs: Number(results[3 * i + 1]), bytes: Number(results[3 * i + 2] ?? 0) })
  })
  const unsigned = found.map((f) => withoutSignature(f.raw))
  const parsed = found.map((f, i) => {
    try {
      return parseEntry(unsigned[i] ?? f.raw).header
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  })
  const tags = [...new Set(parsed.flatMap((h) => (typeof h === 'string' ? [] : h.deps.map(([tag]) => tag))))]
  const current = new Map<string, string | null>()
  if (tags.length > 0) {
    const versions = await client.mget(...tags.map((t) => versionKey(namespace, t)))
    tags.forEach((t, i) => current.set(t, versions[i] ?? null))
  }
  return found.map((f, i) => {
    const header = parsed[i]!
    const { model, operation } = describeKey(namespace, f.key)
    const base = { key: f.key, ...(model !== undefined && { model, operation }), ttlMs: f.ttlMs, bytes: f.bytes, ...(unsigned[i] !== undefined && { signed: true }) }
    if (typeof header === 'string') return { ...base, valid: false, reason: header, dependencies: [] }
    const dependencies = header.deps.map(([tag, version]) => ({ tag, version, current: current.get(tag) ?? null, ok: current.get(tag) === version }))
    const changed = dependencies.filter((d) => !d.ok).map((d) => d.tag)
    const expired = now >= header.staleUntil
    const reason = changed.length > 0 ? `changed ${changed.join(', ')}` : expired ? 'past its stale window' : undefined
    return { ...base, ageMs: now - header.createdAt, fresh: now < header.freshUntil, valid: reason === undefined, ...(reason && { reason }), dependencies }
  })
}
