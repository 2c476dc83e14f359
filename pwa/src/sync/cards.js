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

/** {kid, claims} from payload bytes, or null unless canonical and valid v1. */
function parsePayload(bytes) {
  let obj
  try {
    obj = JSON.parse(utf8.decode(bytes))
  } catch {
    return null
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null
  const keys = Object.keys(obj).sort()
  if (keys.length !== PAYLOAD_KEYS.length || keys.some((k, i) => k !== PAYLOAD_KEYS[i])) return null
  // Byte-identical to the canonical encoding: rules out duplicate keys, whitespace, unsorted keys.
  const canon = utf8Encode.encode(canonicalJson(obj))
  if (canon.length !== bytes.length || canon.some((b, i) => b !== bytes[i])) return null
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
 * Verify a scanned card. Never throws. Checks in order, first failure wins:
 * malformed → unknown_key → bad_signature → expired → revoked. `trustedKeys` maps kid → raw
 * 32-byte public key (Uint8Array); `revokedSerials` is a Set; `today` is 'YYYY-MM-DD'.
 * Returns {ok, reason, claims, kid}; claims are set for ok, expired and revoked.
 */
export async function verifyCard(text, trustedKeys, revokedSerials, today, { verify = verifyEd25519 } = {}) {
  const malformed = { ok: false, reason: 'malformed', claims: null, kid: null }
  if (typeof text !== 'string' || text.length > MAX_CARD_TEXT_LEN) return malformed
  const parts = text.split('.')
  if ((parts.length !== 2 && parts.length !== 3) || parts[0] !== 'ZC1') return malformed
  const payload = b64urlDecodeStrict(parts[1])
  const parsed = payload && parsePayload(payload)
  if (!parsed) return malformed
  const { kid, claims } = parsed

  const key = trustedKeys instanceof Map ? trustedKeys.get(kid) : trustedKeys?.[kid]
  if (!key) return { ok: false, reason: 'unknown_key', claims: null, kid }
  const badSignature = { ok: false, reason: 'bad_signature', claims: null, kid }
  const signature = parts.length === 3 ? b64urlDecodeStrict(parts[2]) : null
  if (!signature || signature.length !== 64) return badSignature
  let good = false
  try {
    good = await verify(signature, payload, key)
  } catch {
    good = false
  }
  if (!good) return badSignature

  if (today > claims.exp) return { ok: false, reason: 'expired', claims, kid }
  const revoked = revokedSerials instanceof Set ? revokedSerials.has(claims.serial) : (revokedSerials || []).includes(claims.serial)
  if (revoked) return { ok: false, reason: 'revoked', claims, kid }
  return { ok: true, reason: null, claims, kid }
}

/** Quick shape test for routing a scanned text (not a verification). */
export const looksLikeCard = (text) => typeof text === 'string' && text.startsWith('ZC1.')
