// A printed archive page's QR (ZA1, 党员手册), verified OFFLINE with the card keys the phone keeps,
// exactly as sync/archive.py; pinned byte for byte by sync/vectors/archive.json.
// Pure: the Ed25519 check is verifyEd25519 from cards.js (injectable for tests).
// The server cleans every text it signs (no control characters); a signed payload is therefore
// clean, and this side only refuses control characters outright.
import { canonicalObject, isRealDate, openSigned, verifyEd25519 } from './cards.js'

export const MAX_ARCHIVE_TEXT_LEN = 2048
const PAYLOAD_KEYS = ['br', 'h', 'kid', 'mid', 'n', 'nm', 'p', 'pd', 'r', 'v', 'y'] // sorted
const KID_RE = /^[0-9a-f]{16}$/
const CODE_RE = /^[A-Z]{2}$/
const DAY_RE = /^[0-9]{8}$/
const DIGEST_RE = /^[A-Za-z0-9_-]{43}$/
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/ // eslint-disable-line no-control-regex
const STATES = ['p', 'a', 'c']
const TITLE_LEN = 10
const NAME_LEN = 40
const BRANCH_LEN = 30
const MAX_ROWS = 40

const isId = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= Number.MAX_SAFE_INTEGER
const isCount = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 9999
const chars = (s) => [...s].length // code points, as Python counts them
const isText = (s, max, empty = false) => typeof s === 'string' && (empty || s.length > 0) && chars(s) <= max && !CONTROL_RE.test(s)


function parseRow(item) {
  if (!Array.isArray(item) || item.length !== 4 || !item.every((x) => typeof x === 'string')) return null
  const [day, code, title, state] = item
  if (!DAY_RE.test(day)) return null
  const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`
  if (!isRealDate(date) || !CODE_RE.test(code) || !isText(title, TITLE_LEN, true) || !STATES.includes(state)) return null
  return { date, code, title, state }
}

/** {kid, page} from payload bytes, or null unless canonical and valid v1. */
function parsePayload(bytes) {
  const obj = canonicalObject(bytes, PAYLOAD_KEYS)
  if (obj === null) return null
  const { v, kid, mid, nm, br, pd, y, p, n, r, h } = obj
  if (v !== 1 || typeof kid !== 'string' || !KID_RE.test(kid) || !isId(mid)) return null
  if (!isText(nm, NAME_LEN) || !isText(br, BRANCH_LEN)) return null
  if (typeof pd !== 'string' || !isRealDate(pd)) return null
  if (y !== null && !(Number.isInteger(y) && y >= 1900 && y <= 9999)) return null
  if (!isCount(p) || !isCount(n) || p > n) return null
  if (!Array.isArray(r) || r.length > MAX_ROWS || typeof h !== 'string' || !DIGEST_RE.test(h)) return null
  const rows = r.map(parseRow)
  if (rows.some((row) => row === null)) return null
  return { kid, claims: { memberId: mid, name: nm, branch: br, printedOn: pd, year: y, page: p, pages: n, rows, digest: h } }
}

/**
 * Verify a scanned archive page. Never throws. malformed → unknown_key → bad_signature, first
 * failure wins; a page does not expire. `trustedKeys` maps kid → raw 32-byte public key (Map or
 * object). Returns {ok, reason, page, kid}; `page` only when the signature checked out.
 */
export async function verifyArchivePage(text, trustedKeys, { verify = verifyEd25519 } = {}) {
  const { reason, kid, claims } = await openSigned(text, 'ZA1', MAX_ARCHIVE_TEXT_LEN, parsePayload, trustedKeys, verify)
  return { ok: !reason, reason, page: claims, kid }
}

/** Quick shape test for routing a scanned text (not a verification). */
export const looksLikeArchivePage = (t) => typeof t === 'string' && t.startsWith('ZA1.')
