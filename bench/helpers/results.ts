/** The shape of bench/results/latest.json. */
import type { MicroResult } from '../scenarios/micro.js'
import type { MemoryResult } from '../scenarios/memory.js'
import type { PrecisionResult } from '../scenarios/precision.js'
import type { TelemetryResult } from '../scenarios/telemetry.js'
import type { ProbeResults } from '../scenarios/probes.js'
import type { StartupResult } from '../scenarios/startup.js'
import type { Measured } from './measure.js'

/** A contestant as reported. */
export interface ContestantInfo {
  id: string
  label: string
  kind: 'baseline' | 'floor' | 'ours' | 'peer'
  /** Which floor it is compared to. */
  floor?: 'floor-a' | 'floor-b'
  usesRedis: boolean
  /** Package and version, for peers. */
  version?: string
  /** Install flags or setup worth reporting. */
  notes?: string
  /** Why it cannot run at all. */
  unavailable?: string
}

/** One workload's results. */
export interface WorkloadResult {
  id: string
  title: string
  group: 'hit' | 'miss' | 'cycle'
  ops: number
  results: Record<string, Measured>
}

/** One target from the issue, with what was measured. */
export interface TargetResult {
  target: string
  measured: string
  met: boolean | null
}

/** Everything one run measured. */
export interface RunResults {
  meta: { date: string; node: string; cpus: string; quick: boolean; rounds: number; roundMs: number; seed: Record<string, number>; durationSec: number }
  contestants: ContestantInfo[]
  workloads: WorkloadResult[]
  probes: Record<string, ProbeResults>
  memory: Record<string, MemoryResult>
  micro: MicroResult[]
  /** Start-up cost in fresh processes (absent in results from before it was measured). */
  startup?: StartupResult | { error: string }
  /** Hit rates of row vs model-level precision on the checker's read-heavy mix (absent when it could not run). */
  precision?: PrecisionResult | { error: string }
  /** A findUnique hit with telemetry off and on (API installed, no SDK). */
  telemetry?: TelemetryResult
  /** Cache-side errors each contestant reported through its error hook during the workloads. */
  cacheErrors?: Record<string, { count: number; first?: string }>
  targets: TargetResult[]
  unhandledRejections: string[]
}
