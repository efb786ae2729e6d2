/** The Grafana dashboard in docs/ queries exactly the metrics prometheusMetrics() registers. */
import { readFileSync } from 'node:fs'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { prometheusMetrics } from '../../src/telemetry/prometheus.js'

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/prisma-query-cache.json', import.meta.url), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[]
}

describe('docs/grafana/prisma-query-cache.json', () => {
  it('uses every registered metric and no other pqc_ metric, with bounded labels only', async () => {
    const registry = new Registry()
    prometheusMetrics({ $cache: { on: () => {}, off: () => {} } }, { registry })
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name)
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))
    const used = new Set(exprs.flatMap((e) => e.match(/pqc_[a-z_]+/g) ?? []).map((n) => n.replace(/_(bucket|count|sum)$/, '')))
    expect([...used].sort()).toEqual([...registered].sort())
    for (const expr of exprs) {
      for (const [, labels] of expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of labels!.split(',').map((l) => l.trim())) expect(['model', 'operation', 'status', 'kind', 'le']).toContain(label)
      }
    }
  })
})
