import { describe, expect, it } from 'vitest'
import * as noble from '@noble/ed25519'
import { looksLikeArchivePage, verifyArchivePage } from '../src/sync/archive.js'
import { verifyEd25519 } from '../src/sync/cards.js'
import { b64urlDecodeStrict, b64urlEncode, hexDecode } from '../src/sync/encoding.js'
import { loadVectors } from './vectors.js'

const V = loadVectors('archive.json')
const trusted = Object.fromEntries(Object.entries(V.trusted_public_keys).map(([kid, hex]) => [kid, hexDecode(hex)]))
const nobleOnly = (sig, msg, pub) => noble.verifyAsync(sig, msg, pub, { zip215: false })
const asPage = (p) => p && ({
  memberId: p.mid, name: p.nm, branch: p.br, printedOn: p.pd, year: p.y, page: p.p, pages: p.n, digest: p.h,
  rows: p.r.map(([d, code, title, state]) => ({ date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`, code, title, state })),
})

describe('ZA1 archive pages against sync/vectors/archive.json (signed by the Python side)', () => {
  it('has vectors covering every verdict', () => {
    const reasons = new Set(V.cases.map((c) => c.expected_reason))
    for (const r of [null, 'malformed', 'unknown_key', 'bad_signature']) expect(reasons.has(r)).toBe(true)
  })

  for (const [label, verify] of [['default (WebCrypto or noble)', verifyEd25519], ['@noble/ed25519', nobleOnly]]) {
    it.each(V.cases.map((c) => [c.name, c]))(`${label}: %s`, async (_, c) => {
      const verdict = await verifyArchivePage(c.text, trusted, { verify })
      expect(verdict.ok).toBe(c.expected_ok)
      expect(verdict.reason).toBe(c.expected_reason)
      expect(verdict.page).toEqual(asPage(c.expected_payload))
    })
  }

  it('shows the member, the branch, the day printed, the page and its records', async () => {
    const valid = V.cases.find((c) => c.name === 'valid page')
    const { ok, page } = await verifyArchivePage(valid.text, new Map(Object.entries(trusted)))
    expect(ok).toBe(true)
    expect(page).toMatchObject({ name: '李明', branch: '红旗村党支部', printedOn: '2026-12-02', year: 2026, page: 2, pages: 5 })
    expect(page.rows[0]).toEqual({ date: '2026-03-04', code: 'AD', title: '主题党日：学习新党章', state: 'c' })
  })

  it('refuses a page re-encoded with a changed title, even by one character', async () => {
    const valid = V.cases.find((c) => c.name === 'valid page')
    const [prefix, payload, sig] = valid.text.split('.')
    const json = new TextDecoder().decode(b64urlDecodeStrict(payload)).replace('网上学习', '网上学会')
    const forged = `${prefix}.${b64urlEncode(new TextEncoder().encode(json))}.${sig}`
    expect((await verifyArchivePage(forged, trusted)).reason).toBe('bad_signature')
  })

  it('never throws on junk and tells archive pages from other codes', async () => {
    for (const junk of [null, undefined, 42, {}, 'ZA1', 'ZA1.' + 'A'.repeat(3000), 'ZC1.abc.def']) {
      expect((await verifyArchivePage(junk, trusted)).reason).toBe('malformed')
    }
    expect(looksLikeArchivePage('ZA1.x.y')).toBe(true)
    expect(looksLikeArchivePage('ZC1.x.y')).toBe(false)
  })
})
