// Democratic evaluation on the phone: the blind-signed ballot against the vectors shared with the
// server (sync/vectors/ballot_blind.json), the ballot's life on the phone (drawn logged in, cast
// WITHOUT the login, forgotten once in), and self-assessments queued offline like minutes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import Dexie from 'dexie'
import * as db from '../src/db.js'
import { configureNet } from '../src/net.js'
import { loadSession } from '../src/services/session.js'
import { syncState } from '../src/services/syncer.js'
import { castBallot, drawBallot, myBallot, saveSelfAssessment, sendWaitingBallot } from '../src/services/evaluation.js'
import {
  bigIntToBytes, blind, bytesToBigInt, fdh, finishBallot, modInverse, modPow, prepareBallot, publicKey, unblind, verify,
} from '../src/sync/ballot.js'
import { b64urlDecodeStrict, b64urlEncode } from '../src/sync/encoding.js'
import { pushUploads } from '../src/sync/uploads.js'
import { loadVectors } from './vectors.js'

const V = loadVectors('ballot_blind.json')
const KEY = { n: V.key.n, e: V.key.e }
const D = BigInt('0x' + V.key.d)
const sha256 = (data) => globalThis.crypto.subtle.digest('SHA-256', data)
const num = (text) => bytesToBigInt(b64urlDecodeStrict(text))

describe('blind RSA-FDH ballots against sync/vectors/ballot_blind.json', () => {
  const key = publicKey(KEY)

  it.each(V.cases.map((c) => [c.name, c]))('%s: the same numbers as the server', async (_, c) => {
    const token = b64urlDecodeStrict(c.token)
    const m = await fdh(token, key, sha256)
    expect(b64urlEncode(bigIntToBytes(m, key.size))).toBe(c.fdh)
    expect(b64urlEncode(bigIntToBytes(blind(m, num(c.r), key), key.size))).toBe(c.blinded)
    const s = unblind(num(c.blind_signature), num(c.r), key)
    expect(b64urlEncode(bigIntToBytes(s, key.size))).toBe(c.signature)
    expect(verify(m, s, key)).toBe(true)
    expect(verify(m, s ^ 1n, key)).toBe(false)
    expect(await finishBallot(KEY, { token: c.token, r: c.r }, c.blind_signature, { sha256 })).toBe(c.signature)
  })

  it('prepares a ballot whose signature, once unblinded, verifies; a wrong answer is refused', async () => {
    const prepared = await prepareBallot(KEY)
    const signed = modPow(num(prepared.blinded), D, key.n)
    const signature = await finishBallot(KEY, prepared, b64urlEncode(bigIntToBytes(signed, key.size)))
    expect(signature).toBeTruthy()
    expect(verify(await fdh(b64urlDecodeStrict(prepared.token), key, sha256), num(signature), key)).toBe(true)
    expect(await finishBallot(KEY, prepared, b64urlEncode(bigIntToBytes(signed + 1n, key.size)))).toBeNull()
    expect(await finishBallot(KEY, prepared, 'AAAA')).toBeNull()
  })

  it('computes modular inverses and powers', () => {
    expect(modInverse(3n, 11n)).toBe(4n)
    expect(() => modInverse(6n, 9n)).toThrow()
    expect(modPow(4n, 13n, 497n)).toBe(445n)
  })
})

// --- the ballot on the phone --------------------------------------------------------------------

const json = (status, body) => ({ ok: status < 300, status, text: async () => JSON.stringify(body), headers: { get: () => null } })
let name

function fakeServer({ signStatus = 200, castStatus = 201, castMessage = '' } = {}) {
  const calls = []
  const fetch = vi.fn(async (url, init) => {
    const path = url.replace('/api/v1', '')
    const body = init.body ? JSON.parse(init.body) : null
    calls.push({ path, auth: init.headers.Authorization ?? null, body })
    if (path === '/evaluations/7/ballot-signature') {
      if (signStatus !== 200) return json(signStatus, { message: 'Your ballot was already issued to a phone.' })
      const signed = modPow(num(body.blinded), D, BigInt('0x' + KEY.n))
      return json(200, { signature: b64urlEncode(bigIntToBytes(signed, 256)) })
    }
    if (path === '/ballots') return json(castStatus, castStatus < 300 ? { accepted: true } : { message: castMessage })
    if (path === '/evaluations/7/members/5/self-assessment') return json(200, {})
    if (path === '/sync/push') return json(200, { results: [] })
    if (path.startsWith('/sync/pull')) return json(200, { cursor: 'c1', has_more: false, reset: false, card_keys: {}, clock_offset_ms: 0, changes: [] })
    return json(404, {})
  })
  configureNet({ fetch, isOnline: () => true })
  return calls
}

const evaluation = { id: 7, ballot_key: KEY }

beforeEach(async () => {
  name = `zhibu-eval-${Math.random().toString(36).slice(2)}`
  db.useDb(db.createDb(name))
  await db.setMeta('session', { username: 'liming', access_token: 'token-of-liming', refresh_token: 'r', me: { member_id: 5, username: 'liming' } })
  await loadSession()
  syncState.online = true
})
afterEach(async () => {
  await db.closeDb()
  await Dexie.delete(name)
  db.useDb(null)
})

describe("a member's ballot", () => {
  it('is drawn logged in, cast with no login at all, and then forgotten but for "cast"', async () => {
    const calls = fakeServer()
    const drawn = await drawBallot(evaluation)
    expect(drawn.ok).toBe(true)
    expect(drawn.ballot.state).toBe('signed')
    const res = await castBallot(7, { 5: 'excellent', 6: null, 8: 'qualified' })
    expect(res).toEqual({ ok: true })
    const [sign, cast] = calls
    expect(sign.auth).toBe('Bearer token-of-liming')
    expect(cast.path).toBe('/ballots')
    expect(cast.auth).toBeNull() // nothing ties the ballot to the member
    expect(Object.keys(cast.body).sort()).toEqual(['evaluation_id', 'marks', 'signature', 'token'])
    expect(cast.body.marks).toEqual([{ member_id: 5, grade: 'excellent' }, { member_id: 8, grade: 'qualified' }])
    expect(JSON.stringify(cast.body)).not.toContain(sign.body.blinded)
    expect(await myBallot(7)).toEqual({ state: 'cast' }) // no token, no marks left on the phone
    expect((await drawBallot(evaluation)).ballot.state).toBe('cast')
  })

  it('asks again with the same blinded number when the answer was lost', async () => {
    configureNet({ fetch: vi.fn(async () => { throw new TypeError('offline') }), isOnline: () => true })
    expect(await drawBallot(evaluation)).toEqual({ ok: false, offline: true })
    const first = await myBallot(7)
    expect(first.state).toBe('prepared')
    const calls = fakeServer()
    expect((await drawBallot(evaluation)).ok).toBe(true)
    expect(calls[0].body.blinded).toBe(first.blinded)
  })

  it('keeps a ballot cast offline and sends it later; a refusal keeps it too', async () => {
    fakeServer()
    await drawBallot(evaluation)
    configureNet({ fetch: vi.fn(async () => { throw new TypeError('offline') }), isOnline: () => true })
    expect(await castBallot(7, { 5: 'qualified' })).toEqual({ ok: false, offline: true })
    expect((await myBallot(7)).state).toBe('ready')
    fakeServer({ castStatus: 409, castMessage: 'Balloting is not open (stage: grading).' })
    expect((await sendWaitingBallot(7)).ok).toBe(false)
    expect((await myBallot(7)).state).toBe('ready')
    fakeServer({ castStatus: 409, castMessage: 'This ballot was already cast.' }) // the first try got through
    expect(await sendWaitingBallot(7)).toEqual({ ok: true })
    expect(await myBallot(7)).toEqual({ state: 'cast' })
  })

  it('says so when the ballot was issued elsewhere', async () => {
    fakeServer({ signStatus: 409 })
    expect(await drawBallot(evaluation)).toMatchObject({ ok: false, status: 409 })
  })
})

describe('self-assessments queued on the phone', () => {
  it('are sent by the upload queue with their nonce, and kept offline', async () => {
    const calls = fakeServer()
    expect(await saveSelfAssessment(7, 5, '认真学习')).toBe('uploaded')
    const sent = calls.find((c) => c.path === '/evaluations/7/members/5/self-assessment')
    expect(sent.body.text).toBe('认真学习')
    expect(sent.body.nonce).toMatch(/^[0-9a-f]{32}$/)
    const put = vi.fn(async () => ({ ok: false, network: true }))
    const item = { id: 'n1aaaaaaaa', kind: 'self_assessment', evaluation_id: 7, member_id: 5, text: '草稿' }
    const result = await pushUploads([item], { putSelfAssessment: put, remove: vi.fn(), noteAttempt: vi.fn(async () => {}) })
    expect(result.outcome).toBe('offline')
    expect(put).toHaveBeenCalledWith(7, 5, '草稿', 'n1aaaaaaaa')
  })
})
