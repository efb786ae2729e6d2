/** Reading V8 CPU profiles (the inspector's `Profiler.stop` result, or a `.cpuprofile` file). */

export interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
export interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
export interface CpuProfile {
  nodes: ProfileNode[]
  samples?: number[]
  timeDeltas?: number[]
}

/**
 * The time (µs) a sample stands for: from it to the next sample. `timeDeltas[i]` is the time
 * *before* sample `i`, and the first one runs from the profile's start, so charging it to the
 * first sample (the inspector call that started the profiler) would invent tens of ms of CPU.
 */
export function sampleTime(profile: CpuProfile, i: number): number {
  return profile.timeDeltas?.[i + 1] ?? 0
}

/** Self time (µs) per `keyOf(frame)`, idle samples left out, their total, and the idle time apart. */
export function selfTime(profile: CpuProfile, keyOf: (frame: CallFrame) => string): { times: Map<string, number>; total: number; idle: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const times = new Map<string, number>()
  let total = 0
  let idle = 0
  profile.samples?.forEach((id, i) => {
    const frame = byId.get(id)!
    const dt = sampleTime(profile, i)
    if (frame.functionName === '(idle)') {
      idle += dt
      return
    }
    const key = keyOf(frame)
    times.set(key, (times.get(key) ?? 0) + dt)
    total += dt
  })
  return { times, total, idle }
}
