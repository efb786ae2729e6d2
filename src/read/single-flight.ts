/**
 * In-process single-flight. Concurrent identical misses share one database query — but only when
 * they saw the same dependency versions. A read that starts after a write resolved sees the new
 * versions and so never joins a query that began before that write (read-your-writes).
 *
 * A flight is known under the versions its leader saw *and* under the versions it captured: on a
 * cold start the leader sees no versions and creates them; reads arriving while its query runs see
 * the created ones and must join it, not start their own.
 */

/** What the leader of a flight produces for the joiners. */
export interface FlightResult {
  value: unknown
  /** Fresh copy for a joiner (results are never shared between callers). */
  copy(): unknown
  /** Milliseconds the database query took, when this flight ran it (not for an entry another process stored). */
  queryMs?: number
  /** The dependency versions the value was computed under; undefined when they are unknown. */
  deps?: [tag: string, version: string][]
  /** Resolves once the entry is stored (or given up): the flight stays joinable until then. */
  settled?: Promise<void>
}

/** A flight a reader may join. */
export interface Flight {
  promise: Promise<FlightResult>
  /** True once the value is there: joining it costs no wait. */
  done: boolean
  /** When its database query started (epoch ms); undefined while it waits for another process's fill. */
  queryStartedAt: number | undefined
}

/** What a fill tells its flight while it runs. */
export interface FlightControl {
  /** Makes the flight joinable under the versions the fill captured too. */
  alsoUnder(signature: string): void
  /** The fill starts its database query now. */
  querying(): void
}

/** A flight as the registry holds it; it is also the control its fill gets (methods, not closures: one object per miss). */
class Registered implements Flight, FlightControl {
  promise!: Promise<FlightResult>
  done = false
  queryStartedAt: number | undefined = undefined
  readonly signatures: string[]

  constructor(signature: string) {
    this.signatures = [signature]
  }

  alsoUnder(signature: string): void {
    if (!this.signatures.includes(signature)) this.signatures.push(signature)
  }

  querying(): void {
    this.queryStartedAt = Date.now()
  }
}

/** Tracks in-flight fills by entry key. */
export class SingleFlight {
  readonly #flights = new Map<string, Registered[]>()

  /** The flight of `key` known under `signature` (the versions a reader saw), if any. */
  find(key: string, signature: string): Flight | undefined {
    const list = this.#flights.get(key)
    if (!list) return undefined
    for (const flight of list) if (flight.signatures.includes(signature)) return flight
    return undefined
  }

  /** Runs `fill` as the flight of `key` under `signature`. */
  run(key: string, signature: string, fill: (control: FlightControl) => Promise<FlightResult>): Promise<FlightResult> {
    const flight = new Registered(signature)
    const list = this.#flights.get(key)
    if (list) list.push(flight)
    else this.#flights.set(key, [flight])
    flight.promise = fill(flight)
    flight.promise.then(
      (result) => {
        flight.done = true
        if (result.settled) result.settled.then(() => this.#leave(key, flight), () => this.#leave(key, flight))
        else this.#leave(key, flight)
      },
      () => this.#leave(key, flight),
    )
    return flight.promise
  }

  #leave(key: string, flight: Registered): void {
    const current = this.#flights.get(key)
    if (!current) return
    if (current.length === 1) {
      if (current[0] === flight) this.#flights.delete(key)
      return
    }
    const rest = current.filter((f) => f !== flight)
    if (rest.length === 0) this.#flights.delete(key)
    else this.#flights.set(key, rest)
  }
}

/** The signature of the versions a reader saw. */
export function signatureOf(versions: readonly (string | undefined)[]): string {
  return versions.join('|')
}
