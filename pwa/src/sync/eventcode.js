// Rotating event codes (ZE1): TOTP (RFC 6238) with HMAC-SHA256 and RFC 4226 dynamic truncation,
// exactly as docs/sync-protocol.md and sync/eventcode.py; pinned by sync/vectors/event_codes.json.
// Pure: WebCrypto's HMAC is the only dependency (injectable for tests).
import { base32Decode } from './encoding.js'

export const DEFAULT_STEP = 30
export const DIGITS = 8
export const MAX_SAFE_INT = Number.MAX_SAFE_INTEGER // 2**53 - 1
const QR_MAX_LEN = 64
const DEC = '(0|[1-9][0-9]{0,15})'
// [0-9], not \d; JavaScript's `$` without the m flag does not accept a trailing newline.
const QR_RE = new RegExp(`^ZE1\\.${DEC}\\.${DEC}\\.([0-9]{${DIGITS}})$`)

/** floor(t / step) as a floating-point division then floor (the protocol's definition). */
export function timeStep(unixSeconds, step = DEFAULT_STEP) {
  if (!(step > 0)) throw new Error('step must be positive')
  return Math.floor(unixSeconds / step)
}

function counterBytes(stepIndex) {
  const buf = new Uint8Array(8)
  const view = new DataView(buf.buffer)
  view.setUint32(0, Math.floor(stepIndex / 2 ** 32))
  view.setUint32(4, stepIndex % 2 ** 32)
  return buf
}

const keyCache = new Map()
async function hmacKey(secret, subtle) {
  const cacheKey = secret
  let key = subtle === globalThis.crypto?.subtle ? keyCache.get(cacheKey) : undefined
  if (!key) {
    key = await subtle.importKey('raw', base32Decode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    if (subtle === globalThis.crypto?.subtle) keyCache.set(cacheKey, key)
  }
  return key
}

/** HOTP value for counter `stepIndex`, zero-padded to `digits` (1–9). */
export async function codeAtStep(secret, stepIndex, digits = DIGITS, subtle = globalThis.crypto.subtle) {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex > MAX_SAFE_INT) throw new Error('bad step index')
  if (!(digits >= 1 && digits <= 9)) throw new Error('digits must be between 1 and 9')
  const mac = new Uint8Array(await subtle.sign('HMAC', await hmacKey(secret, subtle), counterBytes(stepIndex)))
  const o = mac[31] & 0x0f
  const v = ((mac[o] & 0x7f) * 2 ** 24) + (mac[o + 1] << 16) + (mac[o + 2] << 8) + mac[o + 3]
  return String(v % 10 ** digits).padStart(digits, '0')
}

/** The `ZE1.<event_id>.<step_index>.<code>` text shown at `unixSeconds`. */
export async function eventQrPayload(eventId, secret, unixSeconds, step = DEFAULT_STEP) {
  if (!Number.isInteger(eventId) || eventId < 0 || eventId > MAX_SAFE_INT) throw new Error('event id out of range')
  const index = timeStep(unixSeconds, step)
  if (!(index >= 0 && index <= MAX_SAFE_INT)) throw new Error('time out of range')
  return `ZE1.${eventId}.${index}.${await codeAtStep(secret, index)}`
}

/** Parse a scanned ZE1 text: {eventId, stepIndex, code} or null. Never throws, whatever the input. */
export function parseEventQr(text) {
  if (typeof text !== 'string' || text.length > QR_MAX_LEN) return null
  const m = QR_RE.exec(text)
  if (!m) return null
  const eventId = Number(m[1])
  const stepIndex = Number(m[2])
  if (eventId > MAX_SAFE_INT || stepIndex > MAX_SAFE_INT) return null
  return { eventId, stepIndex, code: m[3] }
}

function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * Verify a parsed code against the event secret and the time of the scan (as the server does):
 * code_mismatch first (forged), then stale_code (genuine, seen at another time).
 */
export async function verifyEventCode(secret, qr, claimedUnix, {
  step = DEFAULT_STEP, toleranceSteps = 2, clockOffsetSeconds = 0, subtle = globalThis.crypto.subtle,
} = {}) {
  const wellFormed = /^[0-9]{8}$/.test(qr.code) && Number.isInteger(qr.stepIndex) && qr.stepIndex >= 0 &&
    qr.stepIndex <= MAX_SAFE_INT
  if (!wellFormed || !constantTimeEqual(await codeAtStep(secret, qr.stepIndex, DIGITS, subtle), qr.code)) {
    return { ok: false, reason: 'code_mismatch' }
  }
  const corrected = claimedUnix + clockOffsetSeconds
  if (!Number.isFinite(corrected)) return { ok: false, reason: 'stale_code' }
  if (Math.abs(qr.stepIndex - timeStep(corrected, step)) > toleranceSteps) return { ok: false, reason: 'stale_code' }
  return { ok: true, reason: null }
}

/** Seconds left in the current step (for the countdown on the secretary's screen). */
export function secondsLeftInStep(unixSeconds, step = DEFAULT_STEP) {
  return step - (unixSeconds - timeStep(unixSeconds, step) * step)
}
