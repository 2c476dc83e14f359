// What a screen says when a write to the server did not go through: the network (try again when
// online, the draft is kept), a refusal with the server's field messages, or a conflict. Pure.

/** The first field message of a 422 answer, or null. */
export function fieldMessage(body) {
  const fields = body?.errors?.json ?? body?.errors?.query ?? null
  if (!fields || typeof fields !== 'object') return null
  for (const messages of Object.values(fields)) {
    const first = Array.isArray(messages) ? messages[0] : typeof messages === 'object' ? Object.values(messages).flat()[0] : messages
    if (first) return String(first)
  }
  return null
}

/** A sentence for the user about a failed request `res` ({ok:false, network|status, body}). */
export function failureText(res, t) {
  if (res.network) return t('form.offline')
  if (res.status === 403) return t('form.forbidden')
  if (res.status === 404) return t('form.notFound')
  if (res.status === 409) return t('form.conflict', { message: res.body?.message ?? '' })
  if (res.status === 422) return t('form.invalid', { message: fieldMessage(res.body) ?? res.body?.message ?? '' })
  return t('form.failed', { message: res.body?.message ?? String(res.status ?? '') })
}
