// Member cards (ZC1), verified offline on a secretary's phone, exactly as docs/sync-protocol.md
// and sync/cards.py; pinned byte for byte by sync/vectors/cards.json.
// Pure: the Ed25519 check is WebCrypto when the browser has it, else @noble/ed25519 (injectable).
import { b64urlDecodeStrict } from './encoding.js'

export const MAX_CARD_TEXT_LEN = 1024
const PAYLOAD_KEYS = ['exp', 'hb', 'kid', 'kind', 'mid', 'serial', 'v'] // sorted
const KID_RE = /^[0-9a-f]{16}$/
const SERIAL_RE = /^[A-Za-z0-9._-]{1,64}$/
const DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
const KINDS = ['regular', 'floating']

const isId = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= Number.MAX_SAFE_INTEGER

/** A real proleptic-Gregorian date in 0001-01-01 … 9999-12-31 (Python's date.fromisoformat range). */
export function isRealDate(text) {
  const m = DATE_RE.exec(text)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  return d <= days
}

/** Sorted keys, no whitespace: the one encoding that gets signed. */
export function canonicalJson(obj) {
  const sorted = {}
  for (const k of Object.keys(obj).sort()) sorted[k] = obj[k]
  return JSON.stringify(sorted)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const utf8Encode = new TextEncoder()

/**
 * The JSON object of signed payload bytes with exactly the (sorted) `payloadKeys`, or null.
 * Byte-identical to the canonical encoding: rules out duplicate keys, whitespace, unsorted keys.
 * Cards and archive pages (archive.js) share it.
 */
export function canonicalObject(bytes, payloadKeys) {
  let obj
  try {
    obj = JSON.parse(utf8.decode(bytes))
  } catch {
    return null
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null
  const keys = Object.keys(obj).sort()
  if (keys.length !== payloadKeys.length || keys.some((k, i) => k !== payloadKeys[i])) return null
  const canon = utf8Encode.encode(canonicalJson(obj))
  if (canon.length !== bytes.length || canon.some((b, i) => b !== bytes[i])) return null
  return obj
}

/** {kid, claims} from payload bytes, or null unless canonical and valid v1. */
function parsePayload(bytes) {
  const obj = canonicalObject(bytes, PAYLOAD_KEYS)
  if (obj === null) return null
  const { v, kid, serial, mid, kind, hb, exp } = obj
  if (v !== 1) return null
  if (typeof kid !== 'string' || !KID_RE.test(kid)) return null
  if (typeof exp !== 'string' || !isRealDate(exp)) return null
  if (typeof serial !== 'string' || !SERIAL_RE.test(serial)) return null
  if (!isId(mid) || !isId(hb) || !KINDS.includes(kind)) return null
  return { kid, claims: { v, kid, serial, mid, kind, hb, exp } }
}

let nobleModule = null
/** Ed25519 (RFC 8032) verification: WebCrypto first, @noble/ed25519 when WebCrypto lacks it. */
export async function verifyEd25519(signature, message, publicKey) {
  const subtle = globalThis.crypto?.subtle
  if (subtle) {
    try {
      const key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify'])
      return await subtle.verify({ name: 'Ed25519' }, key, signature, message)
    } catch {
      // No Ed25519 in this browser's WebCrypto (or a key it refuses): use noble.
    }
  }
  try {
    nobleModule ??= await import('@noble/ed25519')
    return await nobleModule.verifyAsync(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * Open a signed QR text `<prefix>.<b64url payload>.<b64url signature>` (cards, archive pages).
 * Never throws. malformed → unknown_key → bad_signature, first failure wins; `parse(bytes)` gives
 * {kid, claims} or null. → {reason: null | 'malformed' | 'unknown_key' | 'bad_signature', kid, claims}.
 */
export async function openSigned(text, prefix, maxLen, parse, trustedKeys, verify = verifyEd25519) {
  const fail = (reason, kid = null) => ({ reason, kid, claims: null })
  if (typeof text !== 'string' || text.length > maxLen) return fail('malformed')
  const parts = text.split('.')
  if ((parts.length !== 2 && parts.length !== 3) || parts[0] !== prefix) return fail('malformed')
  const payload = b64urlDecodeStrict(parts[1])
  const parsed = payload && parse(payload)
  if (!parsed) return fail('malformed')
  const { kid, claims } = parsed
  const key = trustedKeys instanceof Map ? trustedKeys.get(kid) : trustedKeys?.[kid]
  if (!key) return fail('unknown_key', kid)
  const signature = parts.length === 3 ? b64urlDecodeStrict(parts[2]) : null
  if (!signature || signature.length !== 64) return fail('bad_signature', kid)
  let good = false
  try {
    good = await verify(signature, payload, key)
  } catch {
    good = false
  }
  return good ? { reason: null, kid, claims } : fail('bad_signature', kid)
}

/**
 * Verify a scanned card. Never throws. Checks in order, first failure wins:
 * malformed → unknown_key → bad_signature → expired → revoked. `trustedKeys` maps kid → raw
 * 32-byte public key (Uint8Array); `revokedSerials` is a Set; `today` is 'YYYY-MM-DD'.
 * Returns {ok, reason, claims, kid}; claims are set for ok, expired and revoked.
 */
export async function verifyCard(text, trustedKeys, revokedSerials, today, { verify = verifyEd25519 } = {}) {
  const opened = await openSigned(text, 'ZC1', MAX_CARD_TEXT_LEN, parsePayload, trustedKeys, verify)
  if (opened.reason) return { ok: false, reason: opened.reason, claims: null, kid: opened.kid }
  const { kid, claims } = opened

  if (today > claims.exp) return { ok: false, reason: 'expired', claims, kid }
  const revoked = revokedSerials instanceof Set ? revokedSerials.has(claims.serial) : (revokedSerials || []).includes(claims.serial)
  if (revoked) return { ok: false, reason: 'revoked', claims, kid }
  return { ok: true, reason: null, claims, kid }
}

/** Quick shape test for routing a scanned text (not a verification). */
export const looksLikeCard = (text) => typeof text === 'string' && text.startsWith('ZC1.')
