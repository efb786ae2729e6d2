/**
 * Full garbage collections from inside a test, for tests that check what the library keeps alive
 * (`--expose-gc` is switched on at run time, so no test runner flag is needed).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/**
 * Collects garbage a few times, a turn apart: V8 releases some strings (keys JSON.parse made)
 * only after more than one collection, and FinalizationRegistry callbacks run between turns.
 */
export async function collectGarbage(): Promise<void> {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
