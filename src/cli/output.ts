/**
 * What the CLI prints: human tables and a closing time on stdout, or one JSON document with
 * `--json`; progress bars on stderr, and only on a terminal (pipes and CI logs stay clean).
 */
import cliProgress from 'cli-progress'

/** A failure of the command itself (exit code 1). */
export class CliError extends Error {}

/** A bad command line (exit code 2). */
export class UsageError extends Error {}

/** Options every command gets. */
export interface GlobalOptions {
  redis: string
  namespace: string
  /** The tiered stores' bus channel, where `invalidate` and `clear` announce what they changed. */
  channel: string
  json: boolean
}

/** A progress bar on stderr when it is a terminal and `--json` is off; a no-op otherwise. */
export interface Progress {
  increment(by: number): void
  stop(): void
}

/** Starts a progress bar labelled `label` over `total` units (unknown totals show a counter). */
export function progress(options: GlobalOptions, label: string, total: number | undefined, unit: string): Progress {
  if (options.json || !process.stderr.isTTY) return { increment() {}, stop() {} }
  const format = total === undefined
    ? `${label} {value} ${unit} | {duration_formatted}`
    : `${label} |{bar}| {percentage}% | {value}/{total} ${unit} | eta {eta_formatted}`
  const bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic)
  bar.start(total ?? 0, 0)
  let value = 0
  return {
    increment(by) {
      value += by
      if (total !== undefined && value > bar.getTotal()) bar.setTotal(value)
      bar.increment(by)
    },
    stop: () => bar.stop(),
  }
}

/** Prints rows as an aligned text table with a header; `align` has one `l` or `r` per column. */
export function table(headers: string[], rows: (string | number)[][], align: string): string {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(cells[0]!), ...cells.slice(1).map(line)].join('\n')
}

/** Bytes as B, KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let i = -1
  do {
    value /= 1024
    i++
  } while (value >= 1024 && i < units.length - 1)
  return `${value.toFixed(1)} ${units[i]}`
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 5 s` or `23 h 59 min`. */
export function formatMs(ms: number): string {
  if (ms < 0) return '-'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 7_200_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`
  return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`
}

/** Writes the result: `json` as one document with `--json`, else the human text. */
export function emit(options: GlobalOptions, json: unknown, text: () => string): void {
  process.stdout.write(options.json ? JSON.stringify(json, null, 2) + '\n' : text() + '\n')
}
