// The ONE module that talks to the network. Every call resolves (never rejects) to
//   {ok: true, data}                       a 2xx answer (data: parsed JSON, or null)
//   {ok: false, network: true}            no answer: offline, refused, timed out
//   {ok: false, status, body, ...}        an HTTP error; body is the API's {code,status,message,errors}
// With {responseType: 'blob'} a 2xx answer is {ok: true, data: Blob, filename} (the file name from
// Content-Disposition, RFC 6266's filename* first); errors are read as JSON as usual.
// It adds the bearer token and, on a 401, refreshes the access token once with the refresh
// token. When the refresh is refused it reports {status: 401, loginRequired: true} and calls
// onLoginRequired: it never touches the outbox (it cannot: it knows nothing of IndexedDB).
// Keys stay snake_case: the protocol's names are used as they are on the wire.

const config = {
  base: '/api/v1',
  timeoutMs: 20000,
  fetch: (...args) => globalThis.fetch(...args),
  getTokens: async () => null, // → {access_token, refresh_token} | null
  saveAccessToken: async () => {},
  onLoginRequired: () => {},
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
}

/** Wire the session in (main.js does it with db-backed functions; tests with mocks). */
export function configureNet(options) {
  Object.assign(config, options)
}

function buildUrl(path, query) {
  let url = config.base + path
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v))
    const qs = params.toString()
    if (qs) url += '?' + qs
  }
  return url
}

async function readBody(response) {
  try {
    const text = await response.text()
    if (!text) return null
    try {
      return JSON.parse(text)
    } catch {
      return { message: text.slice(0, 500) }
    }
  } catch {
    return null
  }
}

/** One HTTP exchange, no token logic. Never throws. */
async function exchange(method, path, { body, formData, query, token, headers = {}, responseType } = {}) {
  if (!config.isOnline()) return { ok: false, network: true }
  const controller = typeof AbortController !== 'undefined' ? new AbortController() : null
  const timer = controller ? setTimeout(() => controller.abort(), config.timeoutMs) : null
  try {
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' }
    if (controller) init.signal = controller.signal
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    } else if (formData !== undefined) {
      init.body = formData // multipart: the browser sets the Content-Type with its boundary
    }
    if (token) init.headers.Authorization = `Bearer ${token}`
    let response
    try {
      response = await config.fetch(buildUrl(path, query), init)
    } catch {
      return { ok: false, network: true }
    }
    if (response.ok && responseType === 'blob') {
      const blob = await response.blob()
      return { ok: true, status: response.status, data: blob, filename: dispositionFilename(response.headers?.get?.('Content-Disposition')) }
    }
    const data = await readBody(response)
    if (response.ok) return { ok: true, status: response.status, data }
    const result = { ok: false, status: response.status, body: data }
    const retryAfter = response.headers?.get?.('Retry-After')
    if (retryAfter) result.retryAfter = retryAfter
    return result
  } catch {
    return { ok: false, network: true }
  } finally {
    if (timer) clearTimeout(timer)
  }
}

/** The file name a Content-Disposition header gives (filename* in UTF-8 first), or null. */
export function dispositionFilename(header) {
  if (!header) return null
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  return plain ? (plain[2] ?? plain[1]).trim() : null
}

let refreshing = null
/** Refresh the access token once, shared by concurrent callers. → 'ok' | 'network' | 'refused'. */
function refreshAccess() {
  refreshing ??= (async () => {
    try {
      const tokens = await config.getTokens()
      if (!tokens?.refresh_token) return 'refused'
      const res = await exchange('POST', '/auth/refresh', { token: tokens.refresh_token })
      if (res.ok && res.data?.access_token) {
        await config.saveAccessToken(res.data.access_token)
        return 'ok'
      }
      if (res.network || res.status >= 500 || res.status === 429) return 'network'
      return 'refused'
    } catch {
      return 'network'
    }
  })().finally(() => { refreshing = null })
  return refreshing
}

/** An authenticated request; refreshes on 401 once. Never throws. */
export async function request(method, path, options = {}) {
  try {
    const { auth = true } = options
    if (!auth) return await exchange(method, path, options)
    const tokens = await config.getTokens()
    if (!tokens?.access_token && !tokens?.refresh_token) return loginRequired()
    let res = await exchange(method, path, { ...options, token: tokens?.access_token })
    if (res.status !== 401) return res
    const refreshed = await refreshAccess()
    if (refreshed === 'network') return { ok: false, network: true }
    if (refreshed === 'refused') return loginRequired(res.body)
    const again = await config.getTokens()
    res = await exchange(method, path, { ...options, token: again?.access_token })
    if (res.status === 401) return loginRequired(res.body)
    return res
  } catch {
    return { ok: false, network: true }
  }
}

function loginRequired(body = null) {
  try {
    config.onLoginRequired()
  } catch {
    // the callback's problem, not the caller's
  }
  return { ok: false, status: 401, loginRequired: true, body }
}

// ------------------------------------------------------------------------------- the API

export const api = {
  login: (username, password) => exchange('POST', '/auth/login', { body: { username, password } }),
  logout: async () => {
    const tokens = await config.getTokens().catch(() => null)
    if (!tokens?.access_token) return { ok: true, data: null }
    return exchange('POST', '/auth/logout', {
      token: tokens.access_token, body: tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {},
    })
  },
  me: () => request('GET', '/auth/me'),
  changePassword: (current, next) => request('POST', '/auth/password', { body: { current_password: current, new_password: next } }),
  logoutEverywhere: () => request('POST', '/auth/logout-all'),
  myCard: () => request('GET', '/me/card'),
  push: (body) => request('POST', '/sync/push', { body }),
  pull: (query) => request('GET', '/sync/pull', { query }),
  event: (id) => request('GET', `/events/${id}`),
  branch: (id) => request('GET', `/branches/${id}`),
  attendance: (eventId) => request('GET', `/events/${eventId}/attendance`),
  /** `/branches/<id>/<what>`: groups, members, filings, rectification-items, roles… */
  branchList: (branchId, what, query) => request('GET', `/branches/${branchId}/${what}`, { query }),
  createEvent: (branchId, body) => request('POST', `/branches/${branchId}/events`, { body }),
  updateEvent: (id, body) => request('PATCH', `/events/${id}`, { body }),
  cancelEvent: (id, reason) => request('POST', `/events/${id}/cancel`, { body: { reason } }),
  publishNotice: (id, notice) => request('POST', `/events/${id}/notice`, { body: { notice } }),
  noticeReads: (id) => request('GET', `/events/${id}/notice/reads`),
  leaveRequests: (eventId) => request('GET', `/events/${eventId}/leave-requests`),
  decideLeave: (id, approve, reason) => request('POST', `/leave-requests/${id}/decision`, { body: reason ? { approve, reason } : { approve } }),
  myLeaveRequests: () => request('GET', '/me/leave-requests'),
  fileDocument: (branchId, body) => request('POST', `/branches/${branchId}/filings`, { body }),
  refile: (id, body) => request('POST', `/filings/${id}/refile`, { body }),
  plan: (branchId, year) => request('GET', `/branches/${branchId}/activity-day-plan`, { query: { year } }),
  generatePlan: (branchId, body) => request('POST', `/branches/${branchId}/activity-day-plan`, { body }),
  filePlan: (branchId, year, body) => request('POST', `/branches/${branchId}/activity-day-plan/filing`, { body: { year, ...(body ? { body } : {}) } }),
  addRectification: (branchId, body) => request('POST', `/branches/${branchId}/rectification-items`, { body }),
  updateRectification: (id, body) => request('PATCH', `/rectification-items/${id}`, { body }),
  announceRectification: (id, text) => request('POST', `/rectification-items/${id}/announce`, { body: { text } }),
  member: (id) => request('GET', `/members/${id}`),
  createMember: (branchId, body) => request('POST', `/branches/${branchId}/members`, { body }),
  updateMember: (id, body) => request('PATCH', `/members/${id}`, { body }),
  memberCards: (id) => request('GET', `/members/${id}/cards`),
  issueCard: (memberId) => request('POST', `/members/${memberId}/cards`, { body: {} }),
  reissueCard: (cardId, reason) => request('POST', `/cards/${cardId}/reissue`, { body: { reason } }),
  memberFloating: (id) => request('GET', `/members/${id}/floating`),
  startFloating: (memberId, body) => request('POST', `/members/${memberId}/floating`, { body }),
  endFloating: (id, endsOn) => request('POST', `/floating-memberships/${id}/end`, { body: { ends_on: endsOn } }),
  endRole: (id, endsOn) => request('POST', `/roles/${id}/end`, { body: { ends_on: endsOn } }),
  branchDirectory: () => request('GET', '/branch-directory'),
  scanTallies: (eventId) => request('GET', `/events/${eventId}/scan-tallies`),
  leaveRequest: (eventId, reason) => request('POST', `/events/${eventId}/leave-requests`, { body: { reason } }),
  record: (id) => request('GET', `/records/${id}`),
  /** A secretary's entry of a member's reward, punishment, role (发挥作用), deed, study or service. */
  records: (query) => request('GET', '/records', { query }),
  createRecord: (branchId, body) => request('POST', `/branches/${branchId}/records`, { body }),
  correct: (id, reason, changes) => request('POST', `/records/${id}/corrections`, { body: { reason, changes } }),
  branchCompliance: (id, query) => request('GET', `/branches/${id}/compliance`, { query }),
  committeeCompliance: (id, query) => request('GET', `/committees/${id}/compliance`, { query }),
  minutes: (eventId) => request('GET', `/events/${eventId}/minutes`),
  putMinutes: (eventId, text, nonce) => request('PUT', `/events/${eventId}/minutes`, { body: { text, nonce } }),
  /** A member's self-assessment (democratic evaluation), idempotent by its nonce (queued offline like minutes). */
  putSelfAssessment: (evaluationId, memberId, text, nonce) =>
    request('PUT', `/evaluations/${evaluationId}/members/${memberId}/self-assessment`, { body: { text, nonce } }),
  /** A member's party-spirit analysis for the org-life meeting, idempotent by its nonce (queued offline like minutes). */
  putOrgLifeAnalysis: (meetingId, text, nonce) =>
    request('PUT', `/org-life-meetings/${meetingId}/analyses/mine`, { body: { text, nonce } }),
  /** A photo of the minutes (multipart: photo_id and file), idempotent by photo_id. */
  postMinutesPhoto: (eventId, photoId, blob, filename = 'photo.jpg') => {
    const form = new FormData()
    form.set('photo_id', photoId)
    form.set('file', blob, filename)
    return request('POST', `/events/${eventId}/minutes/photos`, { formData: form })
  },
  /** A member's own study or service record (multipart, with an optional photo), idempotent by client_id. */
  postOwnRecord: (item, blob) => {
    const form = new FormData()
    form.set('client_id', item.id)
    form.set('kind', item.record_kind)
    form.set('occurred_on', item.occurred_on)
    form.set('title', item.title)
    if (item.detail) form.set('detail', item.detail)
    if (item.service_post_id) form.set('service_post_id', String(item.service_post_id))
    if (blob) form.set('file', blob, item.name ?? 'photo.jpg')
    return request('POST', '/me/service-records', { formData: form })
  },
  // Notifications (server/notifications): the member's list, notice receipts, Web Push subscriptions.
  notifications: (query) => request('GET', '/me/notifications', { query }),
  readNotification: (id) => request('POST', `/me/notifications/${id}/read`),
  readAllNotifications: () => request('POST', '/me/notifications/read-all'),
  readNotice: (eventId) => request('POST', `/events/${eventId}/notice/read`),
  pushKey: () => request('GET', '/push/key'),
  subscribePush: (body) => request('POST', '/me/push-subscriptions', { body }),
  unsubscribePush: (endpoint) => request('DELETE', '/me/push-subscriptions', { body: { endpoint } }),
  calendarFeed: () => request('GET', '/me/calendar-feed'),
  newCalendarFeed: () => request('POST', '/me/calendar-feed'),
  /** A file (an Excel export): → {ok:true, data: Blob, filename} | the usual failures. */
  download: (path, query) => request('GET', path, { query, responseType: 'blob', headers: { Accept: '*/*' } }),
}
