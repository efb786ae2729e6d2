/** Numbers as text: times in µs or ms, ratios with ×, and the Markdown report. */
import type { Stats } from './measure.js'
import type { ContestantInfo, RunResults, WorkloadResult } from './results.js'

/** `12.3 µs`, `1.24 ms`, `12.4 ms`. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`
  return `${ms.toPrecision(3)} ms`
}

/** `1.23×`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–'
  return ratio >= 100 ? `${ratio.toFixed(0)}×` : `${ratio.toPrecision(3)}×`
}

/** `12.3k/s`. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return '–'
  if (perSec >= 1e6) return `${(perSec / 1e6).toPrecision(3)}M/s`
  if (perSec >= 1e3) return `${(perSec / 1e3).toPrecision(3)}k/s`
  return `${perSec.toPrecision(3)}/s`
}

/** The stats of a contestant in a workload, if it ran. */
export function statsOf(workload: WorkloadResult, id: string): Stats | undefined {
  const m = workload.results[id]
  return m && 'stats' in m ? m.stats : undefined
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const rule = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'))
  return [row(header), `|${rule.join('|')}|`, ...rows.map(row)].join('\n')
}

function unavailableCell(c: ContestantInfo, workload: WorkloadResult): string | undefined {
  if (c.unavailable) return `n/a (${c.unavailable})`
  const m = workload.results[c.id]
  return m && 'error' in m ? `n/a (${m.error})` : undefined
}

/** Summary: p50 per workload (the 50-in-flight column is throughput). */
function summaryTable(r: RunResults): string {
  const header = ['contestant', ...r.workloads.map((w) => (w.ops > 1 ? `${w.title} (reads/s)` : `${w.title} (p50)`))]
  const rows = r.contestants.map((c) => [
    c.label,
    ...r.workloads.map((w) => {
      const na = unavailableCell(c, w)
      if (na) return c.unavailable ? 'n/a' : na
      const s = statsOf(w, c.id)!
      const cell = w.ops > 1 ? formatRate(s.opsPerSec) : formatTime(s.p50)
      return w.group === 'hit' && c.kind !== 'baseline' && s.dbPerCall >= 0.5 ? `${cell} (not cached)` : cell
    }),
  ])
  return table(header, rows)
}

/** One workload in detail, with ratios against raw Prisma and both floors. */
function workloadTable(r: RunResults, w: WorkloadResult): string {
  const raw = statsOf(w, 'raw')
  const floorA = statsOf(w, 'floor-a')
  const floorB = statsOf(w, 'floor-b')
  const per = w.ops > 1 ? ` (per batch of ${w.ops})` : ''
  const header = ['contestant', `p50${per}`, 'p99', 'mean', w.ops > 1 ? 'reads/s' : 'ops/s', 'p50 vs raw', 'p50 vs floor A', 'p50 vs floor B', 'DB stmts/call']
  const rows = r.contestants.map((c) => {
    const na = unavailableCell(c, w)
    if (na) return [c.label, na, '', '', '', '', '', '', '']
    const s = statsOf(w, c.id)!
    return [
      c.label,
      formatTime(s.p50),
      formatTime(s.p99),
      formatTime(s.mean),
      formatRate(s.opsPerSec),
      raw ? formatRatio(s.p50 / raw.p50) : '–',
      floorA ? formatRatio(s.p50 / floorA.p50) : '–',
      floorB ? formatRatio(s.p50 / floorB.p50) : '–',
      s.dbPerCall.toFixed(2),
    ]
  })
  return `### ${w.title}\n\n${table(header, rows)}`
}

function probesTable(r: RunResults): string {
  const header = ['contestant', 'exact Date/BigInt/Decimal/bytes on a hit', 'fresh after update (same model)', 'fresh after related create (include)', `DB statements, ${200} identical cold reads`, 'Redis down (closed port)']
  const rows = r.contestants.map((c) => {
    const p = r.probes[c.id]
    if (c.unavailable || !p) return [c.label, `n/a (${c.unavailable ?? 'not run'})`, '', '', '', '']
    return [c.label, p.exactTypes, p.freshAfterUpdate, p.freshAfterRelatedCreate, p.stampede, p.redisDown]
  })
  return table(header, rows, ['l', 'l', 'l', 'l', 'r', 'l'])
}

/** `hit rate on a read-heavy mix: row precision X% vs model-level Y%`, with how it was measured. */
export function precisionLine(r: Pick<RunResults, 'precision'>): string {
  const p = r.precision
  if (!p) return 'hit rate on a read-heavy mix: not measured'
  if ('error' in p) return `hit rate on a read-heavy mix: n/a (${p.error})`
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  return `hit rate on a read-heavy mix: row precision ${pct(p.row)} vs model-level ${pct(p.model)}`
}

/** `telemetry without an SDK: findUnique hit p50 memory X → Y (+Z%), redis ...`. */
export function telemetryLine(r: Pick<RunResults, 'telemetry'>): string {
  const t = r.telemetry
  if (!t) return 'telemetry overhead: not measured'
  if ('error' in t) return `telemetry overhead: could not run (${t.error})`
  const parts = t.stores.map((s) => `${s.store} ${formatTime(s.off.p50)} off → ${formatTime(s.on.p50)} on (${s.ratio >= 1 ? '+' : ''}${((s.ratio - 1) * 100).toFixed(1)}%)`)
  return `findUnique hit p50 with telemetry off vs on (@opentelemetry/api ${t.apiInstalled ? 'installed' : 'NOT installed'}, no SDK): ${parts.join('; ')}`
}

function precisionSection(r: RunResults): string {
  const p = r.precision
  const how = p && !('error' in p)
    ? ` (model-based checker, ${p.ops.toLocaleString('en')} operations per precision: 90% \`findUnique\` by id over 60 users, 10% updates by id, three clients on one Redis namespace; every verified read matched the database)`
    : ''
  return precisionLine(r) + how
}

function memoryTable(r: RunResults): string {
  const rows = Object.entries(r.memory).map(([id, m]) => {
    const label = r.contestants.find((c) => c.id === id)?.label ?? id
    return 'error' in m ? [label, `n/a (${m.error})`, ''] : [label, `${Math.round(m.bytesPerEntry).toLocaleString('en')} B`, String(m.entries)]
  })
  return table(['contestant', 'heap per cached entry (1 order row)', 'entries'], rows)
}

function microTable(r: RunResults): string {
  const rows = r.micro.map((m) => [m.name, formatTime(m.stats.mean), formatTime(m.stats.p50), formatTime(m.stats.p99), formatRate(m.stats.opsPerSec)])
  return table(['operation', 'mean', 'p50', 'p99', 'ops/s'], rows)
}

function startupTable(r: RunResults): string {
  const s = r.startup
  if (!s) return 'not measured in this run'
  if ('error' in s) return `could not run: ${s.error}`
  const rows = [
    ['`new PrismaClient()`, no extension', formatTime(s.raw.createMs), ''],
    ['first query, no extension (connects)', formatTime(s.raw.firstQueryMs), ''],
    ['`$extends(cacheExtension())`, first client of the process', formatTime(s.pqc.extendsMs), 'parses the schema'],
    ['first cached query (a miss; connects)', formatTime(s.pqc.firstQueryMs), `${formatRatio(s.pqc.firstQueryMs / s.raw.firstQueryMs)} raw`],
    ['`$extends(cacheExtension())`, another client of the same schema', formatTime(s.pqc.secondExtendsMs), 'schema graph shared'],
    ['schema parse before: `get_dmmf`, on every `$extends`', formatTime(s.parse.dmmfMs), ''],
    ['schema parse now: `get_datamodel`, once per schema', formatTime(s.parse.datamodelMs), `${formatRatio(s.parse.dmmfMs / s.parse.datamodelMs)} faster`],
    ['loading the schema parser (wasm compile, at import)', formatTime(s.parse.loadMs), ''],
    ...(s.before
      ? [
          [`before (${s.before.entry}): \`$extends\`, first client`, formatTime(s.before.extendsMs), `now ${formatRatio(s.before.extendsMs / s.pqc.extendsMs)} faster`],
          ['before: first cached query', formatTime(s.before.firstQueryMs), `now ${formatRatio(s.before.firstQueryMs / s.pqc.firstQueryMs)} faster`],
          ['before: `$extends`, another client of the same schema', formatTime(s.before.secondExtendsMs), `now ${formatRatio(s.before.secondExtendsMs / s.pqc.secondExtendsMs)} faster`],
        ]
      : []),
  ]
  return `Median of ${s.runs} fresh processes per line (run from src/ through tsx).\n\n` + table(['step', 'time', ''], rows, ['l', 'r', 'l'])
}

function targetsTable(r: RunResults): string {
  const rows = r.targets.map((t) => [t.target, t.measured, t.met === null ? '–' : t.met ? '✓ met' : '✗ gap'])
  return table(['target', 'measured (this run)', ''], rows, ['l', 'l', 'l'])
}

function contestantsTable(r: RunResults): string {
  const rows = r.contestants.map((c) => [c.label, c.version ?? (c.kind === 'ours' ? 'this repo' : '–'), c.unavailable ? `n/a: ${c.unavailable}` : (c.notes ?? '')])
  return table(['contestant', 'version', 'setup'], rows, ['l', 'l', 'l'])
}

/** The whole report as Markdown. */
export function markdownReport(r: RunResults): string {
  const m = r.meta
  return [
    `# prisma-query-cache benchmarks`,
    '',
    `${m.date} · Node ${m.node} · ${m.cpus} · ${m.quick ? 'QUICK smoke run (numbers not meaningful)' : 'full run'} · ${m.rounds} round-robin rounds × ${m.roundMs} ms per contestant · ` +
      `seed ${Object.entries(m.seed).map(([k, v]) => `${v} ${k}`).join(', ')} · run time ${m.durationSec.toFixed(0)} s`,
    '',
    'Ratios are of p50 latencies measured in the same run, contestants interleaved round by round. ' +
      'Floor A is a bare `$extends` hook answering from a `Map` (by reference); floor B is a bare hook doing one ioredis GET + JSON.parse. ' +
      '"DB stmts/call" counts SQL statements at the driver adapter while timing (0 on a true hit); "(not cached)" marks a hit workload the contestant answered from the database.',
    '',
    '## Summary',
    '',
    summaryTable(r),
    '',
    '## Targets',
    '',
    targetsTable(r),
    '',
    '## Correctness probes',
    '',
    probesTable(r),
    '',
    '## Invalidation precision',
    '',
    precisionSection(r),
    '',
    '## Telemetry overhead',
    '',
    telemetryLine(r) + ' (round-robin in one run; `telemetry: false` is what a hit cost before telemetry existed)',
    '',
    '## Workloads',
    '',
    ...r.workloads.flatMap((w) => [workloadTable(r, w), '']),
    '## Key derivation and serialization',
    '',
    microTable(r),
    '',
    '## Start-up',
    '',
    startupTable(r),
    '',
    '## Memory per cached entry',
    '',
    memoryTable(r),
    '',
    '## Contestants',
    '',
    contestantsTable(r),
    '',
    ...(r.unhandledRejections.length ? ['## Unhandled rejections seen (from contestants)', '', ...r.unhandledRejections.map((e) => `- ${e}`), ''] : []),
  ].join('\n')
}
