import { describe, expect, it } from 'vitest'
import * as noble from '@noble/ed25519'
import { canonicalJson, isRealDate, verifyCard, verifyEd25519 } from '../src/sync/cards.js'
import { hexDecode, b64urlDecodeStrict } from '../src/sync/encoding.js'
import { loadVectors } from './vectors.js'

const V = loadVectors('cards.json')
const trusted = Object.fromEntries(Object.entries(V.trusted_public_keys).map(([kid, hex]) => [kid, hexDecode(hex)]))
const nobleOnly = (sig, msg, pub) => noble.verifyAsync(sig, msg, pub, { zip215: false })

describe('ZC1 cards against sync/vectors/cards.json', () => {
  it('has vectors, covering every verdict', () => {
    const reasons = new Set(V.cases.map((c) => c.expected_reason))
    for (const r of [null, 'malformed', 'unknown_key', 'bad_signature', 'expired', 'revoked']) expect(reasons.has(r)).toBe(true)
  })

  for (const [label, verify] of [['default (WebCrypto or noble)', verifyEd25519], ['@noble/ed25519', nobleOnly]]) {
    it.each(V.cases.map((c) => [c.name, c]))(`${label}: %s`, async (_, c) => {
      const verdict = await verifyCard(c.text, trusted, new Set(c.revoked_serials), c.today, { verify })
      expect(verdict.ok).toBe(c.expected_ok)
      expect(verdict.reason).toBe(c.expected_reason)
      expect(verdict.claims).toEqual(c.expected_claims)
    })
  }

  it('encodes the canonical payload byte for byte', () => {
    const valid = V.cases.find((c) => c.name === 'valid regular card')
    const payload = new TextDecoder().decode(b64urlDecodeStrict(valid.text.split('.')[1]))
    expect(payload).toBe(V.canonical_payload)
    expect(canonicalJson(valid.expected_claims)).toBe(V.canonical_payload)
  })

  it('accepts only real dates', () => {
    expect(isRealDate('2024-02-29')).toBe(true)
    expect(isRealDate('2023-02-29')).toBe(false)
    expect(isRealDate('1900-02-29')).toBe(false)
    expect(isRealDate('0000-01-01')).toBe(false)
    expect(isRealDate('2025-13-01')).toBe(false)
  })

  it('never throws, whatever the text', async () => {
    for (const x of [undefined, null, 1, {}, 'ZC1.', 'ZC1..', 'ZC1.e30.', 'ZC1.' + 'A'.repeat(2000), '\ud800']) {
      const v = await verifyCard(x, trusted, new Set(), '2025-01-01')
      expect(v.ok).toBe(false)
    }
  })
})
