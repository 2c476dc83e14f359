import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import zh from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'

const keys = (obj, prefix = '') => Object.entries(obj).flatMap(([k, v]) =>
  (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
const get = (obj, path) => path.split('.').reduce((o, k) => o?.[k], obj)

// The codes and flags as the protocol document lists them.
const doc = readFileSync(fileURLToPath(new URL('../../docs/sync-protocol.md', import.meta.url)), 'utf8')
const section = (title) => doc.slice(doc.indexOf(title), doc.indexOf('\n\n', doc.indexOf('|', doc.indexOf(title))))
const codesIn = (text) => [...text.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])

describe('the catalogues', () => {
  it('have the same keys in zh-CN and en', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort())
  })

  it('translate every rejection code and flag of the protocol, in both languages', () => {
    const rejections = codesIn(section('Rejection codes:'))
    const flags = codesIn(section('`flags` on an accepted check-in'))
    expect(rejections).toContain('stale_code')
    expect(rejections.length).toBeGreaterThanOrEqual(14)
    expect(flags).toEqual(['late_delivery', 'clock_disagreement', 'device_clock_off', 'code_timing', 'backdated',
      'many_wrong_codes', 'card_revoked_since'])
    for (const cat of [zh, en]) {
      for (const c of rejections) expect(get(cat, `reject.${c}`), c).toBeTruthy()
      for (const f of flags) expect(get(cat, `flag.${f}`), f).toBeTruthy()
      for (const v of ['malformed', 'unknown_key', 'bad_signature', 'expired', 'revoked']) expect(get(cat, `cardScan.verdict.${v}`)).toBeTruthy()
    }
  })
})
