// Sending queued REST uploads (minutes text and photos, self-assessments, party-spirit analyses, members'
// own study and service records) in order; pure: storage and network are
// arguments. The server makes retries safe (the text's nonce, the photo's id), so an item is
// removed only once answered for good:
//   2xx                      → done, removed
//   no answer / 5xx / 429    → kept (attempt counted), stop: try again later
//   401 login required       → kept, stop
//   any other 4xx            → refused for good (403, 404, 409, 413, 415, 422): removed, reported
export async function pushUploads(items, { putMinutes, postPhoto, putSelfAssessment, putAnalysis, postOwnRecord, onOwnRecord,
  remove, noteAttempt, toBlob }) {
  const result = { sent: [], refused: [], outcome: 'ok' }
  for (const item of items) {
    let res
    try {
      if (item.kind === 'minutes_photo') res = await postPhoto(item.event_id, item.id, toBlob(item), item.name ?? 'photo.jpg')
      else if (item.kind === 'self_assessment') res = await putSelfAssessment(item.evaluation_id, item.member_id, item.text, item.id)
      else if (item.kind === 'party_analysis') res = await putAnalysis(item.meeting_id, item.text, item.id)
      else if (item.kind === 'own_record') res = await postOwnRecord(item, item.bytes ? toBlob(item) : null)
      else res = await putMinutes(item.event_id, item.text, item.id)
    } catch {
      res = { ok: false, network: true }
    }
    if (res.ok) {
      // The stored record, kept at once so the screen shows it (待确认) before the next pull.
      if (item.kind === 'own_record' && res.data && onOwnRecord) await onOwnRecord(res.data)
      await remove(item.id)
      result.sent.push(item.id)
      continue
    }
    if (res.loginRequired) return { ...result, outcome: 'login' }
    if (res.network || res.status >= 500 || res.status === 429) {
      await noteAttempt(item.id, res.network ? 'network' : `http_${res.status}`)
      return { ...result, outcome: res.network ? 'offline' : 'error' }
    }
    await remove(item.id)
    result.refused.push({ id: item.id, kind: item.kind, event_id: item.event_id, status: res.status, message: res.body?.message ?? null })
  }
  return result
}
