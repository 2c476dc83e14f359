// The phone's half of a blind-signed ballot (RSA-FDH, Chaum), exactly as server/evaluation/blind.py;
// pinned by sync/vectors/ballot_blind.json. Pure: randomness and SHA-256 are arguments.
//
// The phone makes a random token, hashes it to a number m below the evaluation's modulus n, and
// sends only m·r^e mod n (r random) to be signed, logged in. It divides r out of the answer and
// keeps s = m^d mod n: a signature on a token the server never saw. The ballot then goes in with
// the token and s and no login. docs/decisions.md, "Anonymous assessment forms".
import { b64urlDecodeStrict, b64urlEncode, hexDecode } from './encoding.js'

export const DOMAIN = 'zhibu-ballot-fdh-v1'
export const TOKEN_BYTES = 32
const enc = new TextEncoder()

export const bytesToBigInt = (bytes) => (bytes.length ? BigInt('0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')) : 0n)

export function bigIntToBytes(value, length) {
  let hex = value.toString(16)
  if (hex.length > 2 * length) throw new Error('number too long')
  hex = hex.padStart(2 * length, '0')
  return hexDecode(hex)
}

export function modPow(base, exp, mod) {
  let result = 1n
  let b = ((base % mod) + mod) % mod
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod
    b = (b * b) % mod
    e >>= 1n
  }
  return result
}

/** a⁻¹ mod n (extended Euclid); throws when a has none. */
export function modInverse(a, n) {
  let [oldR, r] = [((a % n) + n) % n, n]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  if (oldR !== 1n) throw new Error('not invertible')
  return ((oldS % n) + n) % n
}

const gcd = (a, b) => (b === 0n ? a : gcd(b, a % b))

/** The key as the server gives it: {n: hex, e}. */
export function publicKey({ n, e }) {
  const modulus = BigInt('0x' + n)
  return { n: modulus, e: BigInt(e), size: Math.ceil(modulus.toString(16).length / 2) }
}

/** The full-domain hash: SHA-256(DOMAIN ‖ counter ‖ token) blocks over the modulus' length, mod n. */
export async function fdh(token, key, sha256) {
  const blocks = []
  let length = 0
  for (let counter = 0; length < key.size; counter++) {
    const prefix = enc.encode(DOMAIN)
    const input = new Uint8Array(prefix.length + 4 + token.length)
    input.set(prefix)
    new DataView(input.buffer).setUint32(prefix.length, counter)
    input.set(token, prefix.length + 4)
    const block = new Uint8Array(await sha256(input))
    blocks.push(block)
    length += block.length
  }
  const all = new Uint8Array(length)
  let offset = 0
  for (const block of blocks) {
    all.set(block, offset)
    offset += block.length
  }
  return bytesToBigInt(all.slice(0, key.size)) % key.n
}

export const blind = (m, r, key) => (m * modPow(r, key.e, key.n)) % key.n
export const unblind = (signed, r, key) => (signed * modInverse(r, key.n)) % key.n
export const verify = (m, s, key) => s > 0n && s < key.n && modPow(s, key.e, key.n) === m

/** A random r in [2, n) invertible mod n. */
export function randomR(key, randomBytes) {
  for (;;) {
    const r = bytesToBigInt(randomBytes(key.size + 8)) % key.n
    if (r > 1n && gcd(r, key.n) === 1n) return r
  }
}

const defaultSha = (data) => globalThis.crypto.subtle.digest('SHA-256', data)
const defaultRandom = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n))

/**
 * A new ballot to be signed: → {token, r, blinded} (base64url texts; keep them on the phone before
 * sending `blinded`, so that a lost answer can be asked again with the same number).
 */
export async function prepareBallot(keyData, { sha256 = defaultSha, randomBytes = defaultRandom } = {}) {
  const key = publicKey(keyData)
  const token = randomBytes(TOKEN_BYTES)
  const r = randomR(key, randomBytes)
  const m = await fdh(token, key, sha256)
  return {
    token: b64urlEncode(token), r: b64urlEncode(bigIntToBytes(r, key.size)),
    blinded: b64urlEncode(bigIntToBytes(blind(m, r, key), key.size)),
  }
}

/** The server's answer unblinded and checked: → the signature (base64url), or null if it does not verify. */
export async function finishBallot(keyData, prepared, blindSignature, { sha256 = defaultSha } = {}) {
  const key = publicKey(keyData)
  const token = b64urlDecodeStrict(prepared.token)
  const rBytes = b64urlDecodeStrict(prepared.r)
  const signedBytes = b64urlDecodeStrict(blindSignature)
  if (!token || !rBytes || !signedBytes || signedBytes.length !== key.size) return null
  const s = unblind(bytesToBigInt(signedBytes), bytesToBigInt(rBytes), key)
  return verify(await fdh(token, key, sha256), s, key) ? b64urlEncode(bigIntToBytes(s, key.size)) : null
}
