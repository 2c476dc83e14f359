// Which records a secretary can still confirm: pure, over the cached records and the outbox.

/**
 * Records of the managed branches that are not confirmed nor refused, not deleted, and have no
 * record_confirm waiting in the outbox; attendance only when `eventId` is given.
 */
export function toConfirm(records, outbox, managedBranchIds, eventId = null) {
  const managed = new Set(managedBranchIds)
  const queued = new Set(outbox.filter((i) => i.type === 'record_confirm').map((i) => i.mutation.record_id))
  return records.filter((r) => r && managed.has(r.branch_id) && r.status !== 'confirmed' && r.status !== 'refused'
    && !queued.has(r.id)
    && (eventId === null || r.event_id === eventId))
}
