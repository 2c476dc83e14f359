// Gzipped size of what the first screen loads: the entry script, its modulepreloads and the
// stylesheets named in dist/index.html (lazy screens and the QR decoder are not in it).
// Run after `npm run build`: node scripts/size-report.mjs [--json]
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="(?:modulepreload|stylesheet)"[^>]*\shref)="([^"]+)"/g)].map((m) => m[1])
const rows = refs.map((ref) => {
  const data = readFileSync(join(dist, ref.replace(/^\//, '')))
  return { file: ref, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length }
})
const total = rows.reduce((a, r) => ({ bytes: a.bytes + r.bytes, gzip: a.gzip + r.gzip }), { bytes: 0, gzip: 0 })
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ files: rows, total, budget_gzip: 150 * 1024 }, null, 2))
} else {
  for (const r of rows) console.log(`${(r.gzip / 1024).toFixed(1).padStart(7)} KB gz  ${(r.bytes / 1024).toFixed(1).padStart(7)} KB  ${r.file}`)
  console.log(`${(total.gzip / 1024).toFixed(1).padStart(7)} KB gz  ${(total.bytes / 1024).toFixed(1).padStart(7)} KB  first screen total (budget 150 KB gz)`)
}
