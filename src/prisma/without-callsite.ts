/**
 * Prisma records a stack trace (`new Error()`) on every model call, so that a failed query's
 * message can quote the application line that made it. The reads this library passes down to
 * Prisma are called from inside its own read pipeline: the frames V8 keeps (ten by default) are
 * all the library's, Prisma finds no application line among them, and its messages quote none —
 * the same text with or without the trace (test/integration/prisma-errors.test.ts). Capturing
 * those frames was a large share of a miss's CPU (bench/README.md, "Prisma's callsite"), so the
 * calls that pass a read down capture none.
 */

/**
 * Runs `call` (a synchronous Prisma model call) with stack traces off: `Error.stackTraceLimit`
 * is 0 during the call and restored after it, thrown or not. Where the limit cannot be changed
 * (a frozen `Error`), `call` runs as it is. An error thrown synchronously by `call` (a broken
 * extension, a user's model method that throws before returning its promise) was created
 * without frames, so its stack is captured again here, where the limit is back, before it
 * reaches the caller.
 */
export function withoutCallsite<T>(call: () => T): T {
  const limit = Error.stackTraceLimit
  try {
    Error.stackTraceLimit = 0
  } catch {
    return call()
  }
  try {
    return call()
  } catch (error) {
    Error.stackTraceLimit = limit
    recaptureStack(error)
    throw error
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Gives an error created with no frames the frames of the current call chain. */
function recaptureStack(error: unknown): void {
  if (!(error instanceof Error) || typeof Error.captureStackTrace !== 'function') return
  const stack = error.stack
  // An error thrown from elsewhere with frames of its own keeps them.
  if (typeof stack === 'string' && stack.includes('\n    at ')) return
  try {
    Error.captureStackTrace(error, withoutCallsite)
  } catch {
    // A frozen error keeps the stack it has.
  }
}
