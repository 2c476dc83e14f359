// Generates the app icons as PNG files (no dependencies: zlib + a tiny PNG writer).
// A gold five-pointed star on Party red. `any` icons are a rounded square; the maskable icon
// fills the whole square and keeps the star inside the 80 % safe zone.
// Run: node scripts/make-icons.mjs   (writes public/icons/*.png; the files are committed)
import { deflateSync } from 'node:zlib'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')
const RED = [183, 28, 28]
const GOLD = [255, 214, 79]

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function starPolygon(cx, cy, outer, inner) {
  const pts = []
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? outer : inner
    const a = -Math.PI / 2 + (i * Math.PI) / 5
    pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)])
  }
  return pts
}
function inPolygon(x, y, pts) {
  let inside = false
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i]
    const [xj, yj] = pts[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
function inRoundedSquare(x, y, size, radius) {
  const cx = Math.min(Math.max(x, radius), size - radius)
  const cy = Math.min(Math.max(y, radius), size - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

function render(size, { maskable }) {
  const SS = 4 // supersampling for smooth edges
  // The star above a bar: a badge (and an activity card's stripe), not a flag.
  const k = maskable ? 0.78 : 1 // shrink into the maskable safe zone
  const star = starPolygon(size / 2, size * (0.5 - 0.07 * k), size * 0.3 * k, size * 0.12 * k)
  const bar = [size * (0.5 - 0.24 * k), size * (0.5 + 0.27 * k), size * (0.5 + 0.24 * k), size * (0.5 + 0.33 * k)]
  const inBar = (px, py) => px >= bar[0] && px <= bar[2] && py >= bar[1] && py <= bar[3]
  const buf = Buffer.alloc(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let bg = 0
      let fg = 0
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const px = x + (sx + 0.5) / SS
          const py = y + (sy + 0.5) / SS
          const inBg = maskable || inRoundedSquare(px, py, size, size * 0.18)
          if (inBg) bg++
          if (inBg && (inPolygon(px, py, star) || inBar(px, py))) fg++
        }
      }
      const n = SS * SS
      const a = bg / n
      const f = bg ? fg / bg : 0
      const o = (y * size + x) * 4
      for (let c = 0; c < 3; c++) buf[o + c] = Math.round(RED[c] * (1 - f) + GOLD[c] * f)
      buf[o + 3] = Math.round(a * 255)
    }
  }
  return png(size, buf)
}

mkdirSync(OUT, { recursive: true })
const files = {
  'icon-192.png': render(192, { maskable: false }),
  'icon-512.png': render(512, { maskable: false }),
  'icon-maskable-512.png': render(512, { maskable: true }),
  'apple-touch-icon-180.png': render(180, { maskable: true }),
  'favicon-48.png': render(48, { maskable: false }),
}
for (const [name, data] of Object.entries(files)) {
  writeFileSync(join(OUT, name), data)
  console.log(`wrote public/icons/${name} (${data.length} bytes)`)
}
