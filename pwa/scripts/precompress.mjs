// After `vite build`: write a .gz beside every text asset of dist/, so Flask can send compressed
// files without compressing on each request (the first visit on a slow phone network is what
// Lighthouse and people measure). Served by server/spa/views.py when the browser accepts gzip.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, constants } from 'node:zlib'

const TEXT = /\.(js|mjs|css|html|webmanifest|json|svg|txt)$/
const root = new URL('../dist/', import.meta.url).pathname
let count = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (TEXT.test(name) && statSync(path).size > 1024) {
      writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }))
      count += 1
    }
  }
}
walk(root)
console.log(`precompressed ${count} files`)
