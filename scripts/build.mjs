// Builds the package twice from src/: dist/esm (ES modules, type-checked) and dist/cjs
// (CommonJS; the first pass already type-checked the code), each with its .d.ts files. dist/cjs gets
// a package.json of {"type":"commonjs"}, so Node and TypeScript read its .js and .d.ts as
// CommonJS although the package itself is "type": "module". No source maps: src/ is not shipped.
//
// Every file of src/ is built, so a new entry point (./accelerate, ./prometheus, a bin) needs only
// its line in package.json "exports" (copy the "." entry, replace index by the file's path), or in
// "bin" (point it at dist/esm/...); test/package/tarball.test.ts checks every entry resolves.
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(root, 'node_modules/typescript/bin/tsc')

function run(args) {
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

rmSync(join(root, 'dist'), { recursive: true, force: true })
run(['-p', 'tsconfig.build.json'])
run(['-p', 'tsconfig.build.cjs.json', '--noCheck'])
mkdirSync(join(root, 'dist/cjs'), { recursive: true })
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n')
