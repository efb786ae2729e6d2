/**
 * "Only the import changed": test/accelerate/app.ts (run by the integration tests against
 * withAccelerate()) and app.on-accelerate.ts (the same code importing `@prisma/extension-accelerate`)
 * both compile under `npm run typecheck`; this checks that they differ in the import line alone.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (name: string) => readFileSync(new URL(`../accelerate/${name}`, import.meta.url), 'utf8').split('\n')

describe('the Accelerate app', () => {
  it('is the same code against Accelerate and against withAccelerate(), but for the import', () => {
    const ours = read('app.ts')
    const original = read('app.on-accelerate.ts')
    expect(original).toHaveLength(ours.length)
    const differing = ours.flatMap((line, i) => (line === original[i] ? [] : [[line, original[i]]]))
    expect(differing).toEqual([
      [
        "import { withAccelerate, type AccelerateInfo } from '../../src/accelerate/index.js'",
        "import { withAccelerate, type AccelerateInfo } from '@prisma/extension-accelerate'",
      ],
    ])
  })
})
