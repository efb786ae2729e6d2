/**
 * The library as the bench measures it: the built package (`dist/esm`, what `npm run bench`
 * builds first), the code users import. Run through tsx, `src/` is not that code: esbuild's
 * `keepNames` wraps every closure it can name in a `__name()` call, paid on each call (measured
 * with `bench/miss-cpu.ts`, instant database: a memory-store miss 1.47× floor A from `src/`,
 * 1.22× from `dist/`). `BENCH_SOURCE=src` measures `src/` instead, without a build, for quick
 * iterations on the code.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type * as Library from '../../src/index.js'

const distEntry = new URL('../../dist/esm/index.js', import.meta.url)

/** Which code runs: `dist` (default) or `src` (`BENCH_SOURCE=src`). */
export const librarySource: 'dist' | 'src' = process.env.BENCH_SOURCE === 'src' ? 'src' : 'dist'

async function load(): Promise<typeof Library> {
  if (librarySource === 'src') return import('../../src/index.js')
  if (!existsSync(fileURLToPath(distEntry))) {
    throw new Error(`bench: ${fileURLToPath(distEntry)} is missing; run \`npm run build\` first (npm run bench does), or set BENCH_SOURCE=src to measure src/`)
  }
  return (await import(distEntry.href)) as typeof Library
}

/** The library's exports, from {@link librarySource}. */
export const library = await load()
