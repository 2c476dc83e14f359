// Byte encodings used by the QR formats: base32 (event secrets), strict base64url (cards),
// base64 and hex (public keys). Pure; no DOM, no network, no storage.

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (uppercase, optional '=' padding) → bytes. Throws on a bad secret (ours, so a bug). */
export function base32Decode(text) {
  if (typeof text !== 'string' || text.length === 0) throw new Error('event secret must be non-empty base32')
  const clean = text.replace(/=+$/, '')
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8))
  let bits = 0
  let value = 0
  let index = 0
  for (const ch of clean) {
    const v = B32.indexOf(ch)
    if (v < 0) throw new Error('event secret is not valid base32')
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff
      bits -= 8
    }
  }
  return out
}

const B64URL_RE = /^[A-Za-z0-9_-]+$/

export function b64urlEncode(bytes) {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Strict base64url → bytes, or null: alphabet only, no padding, and the text must be the
 * canonical encoding of its bytes (no unused trailing bits), exactly as sync/cards.py.
 */
export function b64urlDecodeStrict(text) {
  if (typeof text !== 'string' || !B64URL_RE.test(text) || text.length % 4 === 1) return null
  let bytes
  try {
    const std = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
    const bin = atob(std)
    bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  } catch {
    return null
  }
  return b64urlEncode(bytes) === text ? bytes : null
}

export function base64Decode(text) {
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

export function hexDecode(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new Error('bad hex')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function hexEncode(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
