// A member's own study and service records (server/service), pure: the upload item the phone
// queues (db.js 'uploads', kind 'own_record', sent by sync/uploads.js, idempotent by its id), and
// the rows the member's screen shows, merged from the queue and the records pulled from the server.
//   saved      已保存在手机: still in the upload queue
//   waiting    待确认: on the server, not confirmed by the branch yet (counts for nothing)
//   confirmed  已确认: counts
//   refused    已退回: the branch refused it, with a reason
export const OWN_KINDS = ['study', 'service']
// What the server accepts (MINUTES_PHOTO_MAX_BYTES by default); a bigger photo is refused on the phone.
export const OWN_PHOTO_MAX_BYTES = 5 * 1024 * 1024
export const OWN_PHOTO_TYPES = ['image/jpeg', 'image/png']

/** The upload item for a filled form: {kind, occurred_on, title, detail?, service_post_id?, photo?: {bytes, type, name}}. */
export function ownRecordItem(form, { nonce }) {
  const item = {
    id: nonce, kind: 'own_record', record_kind: form.kind, occurred_on: form.occurred_on,
    title: String(form.title).trim(), detail: form.detail?.trim() || null,
    service_post_id: form.kind === 'service' && Number.isInteger(form.service_post_id) ? form.service_post_id : null,
  }
  if (form.photo) Object.assign(item, { bytes: form.photo.bytes, type: form.photo.type, name: form.photo.name ?? 'photo.jpg' })
  return item
}

/** Why a form cannot be saved (a message key), or null. `today` and `yearAgo` are 'YYYY-MM-DD'. */
export function ownRecordProblem(form, { today, yearAgo }) {
  if (!OWN_KINDS.includes(form.kind)) return 'kind'
  if (!String(form.title ?? '').trim()) return 'title'
  if (String(form.title).trim().length > 200) return 'titleLong'
  if ((form.detail ?? '').length > 2000) return 'detailLong'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.occurred_on ?? '')) return 'date'
  if (form.occurred_on > today) return 'future'
  if (form.occurred_on < yearAgo) return 'tooOld'
  if (form.photo && !OWN_PHOTO_TYPES.includes(form.photo.type)) return 'photoType'
  if (form.photo && form.photo.bytes.byteLength > OWN_PHOTO_MAX_BYTES) return 'photoSize'
  return null
}

export function stateOfRecord(r) {
  if (r.status === 'confirmed') return 'confirmed'
  if (r.status === 'refused') return 'refused'
  return 'waiting'
}

/**
 * The member's rows of `year` (newest first) and the year's counted totals (confirmed only).
 * `records`: the pulled records; `uploads`: the user's upload queue.
 */
export function ownRecordRows(records, uploads, memberId, year) {
  const inYear = (day) => String(day).startsWith(`${year}-`)
  const saved = uploads.filter((u) => u.kind === 'own_record' && inYear(u.occurred_on)).map((u) => ({
    key: `u:${u.id}`, kind: u.record_kind, title: u.title, occurred_on: u.occurred_on, state: 'saved',
    reason: null, has_photo: Boolean(u.bytes), record_id: null,
  }))
  const mine = records.filter((r) => r && r.member_id === memberId && OWN_KINDS.includes(r.kind) && inYear(r.occurred_on))
  const rows = mine.map((r) => ({
    key: `r:${r.id}`, kind: r.kind, title: r.title, occurred_on: r.occurred_on, state: stateOfRecord(r),
    reason: r.refused_reason ?? null, has_photo: Boolean(r.has_photo), record_id: r.id,
  }))
  const all = [...saved, ...rows].sort((a, b) => String(b.occurred_on).localeCompare(String(a.occurred_on)))
  const counted = Object.fromEntries(OWN_KINDS.map((k) => [k, mine.filter((r) => r.kind === k && r.status === 'confirmed').length]))
  return { rows: all, counted }
}

/** Records a secretary may confirm or refuse among the branch's own records: submitted by members, waiting. */
export function ownRecordsToReview(records, managedBranchIds) {
  const managed = new Set(managedBranchIds)
  return records.filter((r) => r && managed.has(r.branch_id) && OWN_KINDS.includes(r.kind) && stateOfRecord(r) === 'waiting')
    .sort((a, b) => String(a.occurred_on).localeCompare(String(b.occurred_on)) || a.id - b.id)
}
