import { beforeEach, describe, expect, it, vi } from 'vitest'
import { api, configureNet, request } from '../src/net.js'

const json = (status, body, headers = {}) => ({
  ok: status >= 200 && status < 300, status, text: async () => (body === undefined ? '' : JSON.stringify(body)),
  headers: { get: (k) => headers[k] ?? null },
})

let tokens
let loginRequired
beforeEach(() => {
  tokens = { access_token: 'old-access', refresh_token: 'refresh' }
  loginRequired = vi.fn()
  configureNet({
    getTokens: async () => tokens,
    saveAccessToken: async (a) => { tokens = { ...tokens, access_token: a } },
    onLoginRequired: loginRequired,
    isOnline: () => true,
  })
})

describe('net.js: the one network client', () => {
  it('adds the bearer token and returns {ok, data}', async () => {
    const fetch = vi.fn(async () => json(200, { hello: 1 }))
    configureNet({ fetch })
    const res = await api.me()
    expect(res).toMatchObject({ ok: true, data: { hello: 1 } })
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/auth/me')
    expect(fetch.mock.calls[0][1].headers.Authorization).toBe('Bearer old-access')
  })

  it('never throws: a network failure is {ok:false, network:true}', async () => {
    configureNet({ fetch: vi.fn(async () => { throw new TypeError('Failed to fetch') }) })
    expect(await api.push({ mutations: [] })).toEqual({ ok: false, network: true })
    configureNet({ fetch: vi.fn(() => { throw new Error('sync throw') }) })
    expect(await api.pull({ protocol_version: 1 })).toEqual({ ok: false, network: true })
    configureNet({ fetch: vi.fn(async () => json(200)), getTokens: async () => { throw new Error('storage broke') } })
    expect(await api.me()).toEqual({ ok: false, network: true })
  })

  it('tells HTTP errors from network failures, with the body and Retry-After', async () => {
    configureNet({ fetch: vi.fn(async () => json(429, { code: 429, message: 'slow down' }, { 'Retry-After': '3' })) })
    expect(await api.push({})).toEqual({ ok: false, status: 429, body: { code: 429, message: 'slow down' }, retryAfter: '3' })
    configureNet({ fetch: vi.fn(async () => ({ ok: false, status: 502, text: async () => '<html>bad gateway</html>', headers: { get: () => null } })) })
    expect(await api.push({})).toMatchObject({ ok: false, status: 502, body: { message: '<html>bad gateway</html>' } })
  })

  it('refreshes the access token once on 401 and retries', async () => {
    const fetch = vi.fn(async (url, init) => {
      if (url === '/api/v1/auth/refresh') return json(200, { access_token: 'new-access' })
      return init.headers.Authorization === 'Bearer new-access' ? json(200, { results: [] }) : json(401, { code: 401 })
    })
    configureNet({ fetch })
    const res = await api.push({ mutations: [] })
    expect(res.ok).toBe(true)
    expect(fetch.mock.calls.map(([u]) => u)).toEqual(['/api/v1/sync/push', '/api/v1/auth/refresh', '/api/v1/sync/push'])
    expect(fetch.mock.calls[1][1].headers.Authorization).toBe('Bearer refresh')
    expect(tokens.access_token).toBe('new-access')
    expect(loginRequired).not.toHaveBeenCalled()
  })

  it('reports "login required" when the refresh is refused', async () => {
    const fetch = vi.fn(async (url) => (url === '/api/v1/auth/refresh' ? json(401, { code: 401 }) : json(401, { code: 401 })))
    configureNet({ fetch })
    const res = await api.push({ mutations: [] })
    expect(res).toMatchObject({ ok: false, status: 401, loginRequired: true })
    expect(loginRequired).toHaveBeenCalledTimes(1)
    expect(fetch).toHaveBeenCalledTimes(2) // the push, one refresh: no loop
  })

  it('a refresh that fails for lack of network is a network failure, not a logout', async () => {
    const fetch = vi.fn(async (url) => {
      if (url === '/api/v1/auth/refresh') throw new TypeError('offline')
      return json(401, {})
    })
    configureNet({ fetch })
    expect(await api.pull({})).toEqual({ ok: false, network: true })
    expect(loginRequired).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent requests', async () => {
    let refreshes = 0
    const fetch = vi.fn(async (url, init) => {
      if (url === '/api/v1/auth/refresh') {
        refreshes += 1
        await new Promise((r) => setTimeout(r, 5))
        return json(200, { access_token: 'new-access' })
      }
      return init.headers.Authorization === 'Bearer new-access' ? json(200, {}) : json(401, {})
    })
    configureNet({ fetch })
    const all = await Promise.all([api.me(), api.pull({}), api.myCard()])
    expect(all.every((r) => r.ok)).toBe(true)
    expect(refreshes).toBe(1)
  })

  it('does not call the network when the browser says it is offline', async () => {
    const fetch = vi.fn()
    configureNet({ fetch, isOnline: () => false })
    expect(await request('GET', '/auth/me')).toEqual({ ok: false, network: true })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('builds query strings and skips empty values', async () => {
    const fetch = vi.fn(async () => json(200, {}))
    configureNet({ fetch })
    await api.pull({ protocol_version: 1, cursor: 'a.b.c', limit: 500, nothing: undefined })
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/sync/pull?protocol_version=1&cursor=a.b.c&limit=500')
  })
})

describe('net.js: file downloads', () => {
  const file = (status, bytes, headers = {}) => ({
    ok: status >= 200 && status < 300, status, blob: async () => new Blob([bytes]),
    text: async () => JSON.stringify({ code: 'forbidden', message: 'no' }), headers: { get: (k) => headers[k] ?? null },
  })

  it('returns a Blob and the file name (filename* first), with the bearer token', async () => {
    const fetch = vi.fn(async () => file(200, 'PK', {
      'Content-Disposition': "attachment; filename=\"compliance-branch-1.xlsx\"; filename*=UTF-8''%E7%BA%A2%E6%97%97.xlsx",
    }))
    configureNet({ fetch })
    const res = await api.download('/branches/1/compliance.xlsx')
    expect(res.ok).toBe(true)
    expect(res.data).toBeInstanceOf(Blob)
    expect(await res.data.text()).toBe('PK')
    expect(res.filename).toBe('红旗.xlsx')
    expect(fetch.mock.calls[0][1].headers.Authorization).toBe('Bearer old-access')
  })

  it('reads an error as JSON and never throws', async () => {
    configureNet({ fetch: vi.fn(async () => file(403, '')) })
    expect(await api.download('/x.xlsx')).toMatchObject({ ok: false, status: 403, body: { code: 'forbidden' } })
    configureNet({ fetch: vi.fn(async () => ({ ok: true, status: 200, blob: async () => { throw new Error('aborted') }, headers: { get: () => null } })) })
    expect(await api.download('/x.xlsx')).toEqual({ ok: false, network: true })
  })
})
