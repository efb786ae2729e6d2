/** Operations, runs and violations as readable lines (what a counterexample prints). */
import fc from 'fast-check'
import type { Mutation, ReadRef, ReadSpec, Round, WriteSpec } from './operations.js'
import type { Violation } from './runner.js'

const args = (value: unknown) => fc.stringify(value)

/** `user.findMany({...})`. */
export function describeRead(spec: ReadSpec): string {
  return `${spec.model}.${spec.op}(${args(spec.args)})${spec.swr ? ' [cache: { ttl: 0.03, swr: 60 }]' : ''}`
}

function describeRef(ref: ReadRef): string {
  return 'replay' in ref ? `<replay of recent read #${ref.replay}>` : describeRead(ref)
}

function describeWrite(spec: WriteSpec): string {
  return `${spec.model}.${spec.op}(${args(spec.args)})`
}

/** A mutation on one line. */
export function describeMutation(m: Mutation): string {
  switch (m.kind) {
    case 'write':
      return describeWrite(m.write)
    case 'raw':
      return `$executeRaw ${m.raw.statement}(${m.raw.id}${m.raw.name === undefined ? '' : `, ${JSON.stringify(m.raw.name)}`})`
    case 'batch':
      return `$transaction([${m.writes.map(describeWrite).join(', ')}])`
    case 'interactive':
      return `$transaction(async (tx) => { ${m.steps.map((s) => ('write' in s ? describeWrite(s.write) : `${describeRead(s.read)} [cached]`)).join('; ')}${m.rollback ? '; throw' : ''} })`
  }
}

/** One round, one operation per line. */
export function describeRound(round: Round, index: number): string[] {
  const lines = [`round ${index} (${round.kind})`]
  if (round.kind === 'chaos') {
    for (const op of round.ops) {
      lines.push(`  c${op.client} +${op.delayMs}ms ${op.kind === 'read' ? describeRef(op.read) : describeMutation(op.mutation)}`)
    }
  } else {
    lines.push(`  c${round.mutation.client} +${round.mutation.delayMs}ms ${describeMutation(round.mutation.mutation)}`)
    for (const r of round.reads) lines.push(`  c${r.client} ${r.afterWrite ? 'after it resolved' : `+${r.delayMs}ms`} ${describeRef(r.read)}`)
  }
  for (const v of round.verify) lines.push(`  verify c${v.client} ${describeRef(v.read)}`)
  return lines
}

/** A violation with the round it happened in. */
export function describeViolation(v: Violation): string {
  return [
    `${v.check} violation in round ${v.round} on client ${v.client} (cache status '${v.status}'):`,
    `  read: ${describeRead(v.read)}`,
    `  ${v.detail}`,
    `  mutations of that round: ${v.mutations.length === 0 ? 'none' : ''}`,
    ...v.mutations.map((m) => `    ${describeMutation(m)}`),
    ...(v.cacheErrors.length > 0 ? [`  cache errors during the run (a failed invalidation may explain it): ${v.cacheErrors.slice(0, 5).join(' | ')}`] : []),
  ].join('\n')
}
