import { describe, expect, it } from 'vitest'
import { codeAtStep, eventQrPayload, parseEventQr, secondsLeftInStep, timeStep, verifyEventCode } from '../src/sync/eventcode.js'
import { loadVectors } from './vectors.js'

const V = loadVectors('event_codes.json')

describe('ZE1 event codes against sync/vectors/event_codes.json', () => {
  it('has vectors', () => {
    expect(V.cases.length).toBeGreaterThan(10)
    expect(V.verify_cases.length).toBeGreaterThan(10)
    expect(V.parse_cases.length).toBeGreaterThan(10)
  })

  it.each(V.cases.map((c) => [`${c.event_id} @ ${c.unix_seconds}s step ${c.step} digits ${c.digits}`, c]))(
    'code %s', async (_, c) => {
      expect(timeStep(c.unix_seconds, c.step)).toBe(c.step_index)
      expect(await codeAtStep(c.secret, c.step_index, c.digits)).toBe(c.code)
      if (c.qr !== null) expect(await eventQrPayload(c.event_id, c.secret, c.unix_seconds, c.step)).toBe(c.qr)
    })

  it.each(V.verify_cases.map((c) => [c.name, c]))('verify: %s', async (_, c) => {
    const qr = parseEventQr(c.qr)
    expect(qr).not.toBeNull()
    const verdict = await verifyEventCode(c.secret, qr, c.claimed_unix, {
      step: c.step, toleranceSteps: c.tolerance_steps, clockOffsetSeconds: c.clock_offset_seconds,
    })
    expect(verdict.ok).toBe(c.expected_ok)
    expect(verdict.reason).toBe(c.expected_reason)
  })

  it.each(V.parse_cases.map((c) => [JSON.stringify(c.text).slice(0, 60), c]))('parse %s', (_, c) => {
    const parsed = parseEventQr(c.text)
    if (c.expected === null) expect(parsed).toBeNull()
    else expect(parsed).toEqual({ eventId: c.expected.event_id, stepIndex: c.expected.step_index, code: c.expected.code })
  })

  it('matches the RFC 6238 SHA-256 check values of the protocol document', async () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA' // "12345678901234567890123456789012"
    expect(await codeAtStep(secret, timeStep(59))).toBe('46119246')
    expect(await codeAtStep(secret, timeStep(1111111109))).toBe('68084774')
  })

  it('never throws on odd input', () => {
    for (const x of [undefined, null, 42, {}, [], 'ZE1', 'x'.repeat(10000), '\u0000', Symbol.iterator.toString()]) {
      expect(parseEventQr(x)).toBeNull()
    }
  })

  it('counts down within a step', () => {
    expect(secondsLeftInStep(60, 30)).toBe(30)
    expect(secondsLeftInStep(89.5, 30)).toBeCloseTo(0.5)
  })
})
