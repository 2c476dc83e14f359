import { describe, expect, it, vi } from 'vitest'
import { pushUploads } from '../src/sync/uploads.js'
import { api, configureNet } from '../src/net.js'

const text = (id, t = '记录') => ({ id, kind: 'minutes_text', event_id: 5, text: t })
const photo = (id) => ({ id, kind: 'minutes_photo', event_id: 5, bytes: new ArrayBuffer(3), type: 'image/jpeg', name: 'p.jpg' })

function deps(answers) {
  const calls = []
  const next = async (...args) => { calls.push(args); return answers.shift() }
  return {
    calls,
    putMinutes: vi.fn(next), postPhoto: vi.fn(next), remove: vi.fn(async () => {}), noteAttempt: vi.fn(async () => {}),
    toBlob: (item) => new Blob([item.bytes], { type: item.type }),
  }
}

describe('uploading queued minutes', () => {
  it('sends text with its nonce and photos with their id, in order, removing each once answered', async () => {
    const d = deps([{ ok: true, data: {} }, { ok: true, data: {} }])
    const result = await pushUploads([text('t1aaaaaaaa', '全文'), photo('p1aaaaaaaa')], d)
    expect(result).toMatchObject({ outcome: 'ok', sent: ['t1aaaaaaaa', 'p1aaaaaaaa'], refused: [] })
    expect(d.putMinutes).toHaveBeenCalledWith(5, '全文', 't1aaaaaaaa')
    expect(d.postPhoto.mock.calls[0][0]).toBe(5)
    expect(d.postPhoto.mock.calls[0][1]).toBe('p1aaaaaaaa')
    expect(d.postPhoto.mock.calls[0][2]).toBeInstanceOf(Blob)
    expect(d.remove.mock.calls.map((c) => c[0])).toEqual(['t1aaaaaaaa', 'p1aaaaaaaa'])
  })

  it('keeps everything offline or on a server error, and stops there', async () => {
    for (const answer of [{ ok: false, network: true }, { ok: false, status: 503 }, { ok: false, status: 429 }]) {
      const d = deps([answer])
      const result = await pushUploads([text('t1aaaaaaaa'), photo('p1aaaaaaaa')], d)
      expect(result.outcome).not.toBe('ok')
      expect(d.remove).not.toHaveBeenCalled()
      expect(d.noteAttempt).toHaveBeenCalledTimes(1)
      expect(d.postPhoto).not.toHaveBeenCalled()
    }
    const d = deps([{ ok: false, status: 401, loginRequired: true }])
    expect((await pushUploads([text('t1aaaaaaaa')], d)).outcome).toBe('login')
    expect(d.remove).not.toHaveBeenCalled()
  })

  it('drops and reports an upload refused for good (a photo of the wrong type), then goes on', async () => {
    const d = deps([{ ok: false, status: 415, body: { message: 'Unsupported' } }, { ok: true, data: {} }])
    const result = await pushUploads([photo('p1aaaaaaaa'), text('t1aaaaaaaa')], d)
    expect(result.refused).toEqual([{ id: 'p1aaaaaaaa', kind: 'minutes_photo', event_id: 5, status: 415, message: 'Unsupported' }])
    expect(result.sent).toEqual(['t1aaaaaaaa'])
    expect(result.outcome).toBe('ok')
  })

  it('net.js sends the photo as multipart (photo_id and file) with the token', async () => {
    const fetch = vi.fn(async () => ({ ok: true, status: 201, text: async () => '{"id":1}', headers: { get: () => null } }))
    configureNet({ fetch, getTokens: async () => ({ access_token: 'a', refresh_token: 'r' }), isOnline: () => true })
    const res = await api.postMinutesPhoto(5, 'p1aaaaaaaa', new Blob([new Uint8Array([1, 2])], { type: 'image/png' }), 'x.png')
    expect(res).toMatchObject({ ok: true, data: { id: 1 } })
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/api/v1/events/5/minutes/photos')
    expect(init.body).toBeInstanceOf(FormData)
    expect(init.body.get('photo_id')).toBe('p1aaaaaaaa')
    expect(init.body.get('file')).toBeInstanceOf(Blob)
    expect(init.headers['Content-Type']).toBeUndefined()
    expect(init.headers.Authorization).toBe('Bearer a')
    const put = vi.fn(async () => ({ ok: true, status: 200, text: async () => '{}', headers: { get: () => null } }))
    configureNet({ fetch: put })
    await api.putMinutes(5, '全文', 'n1aaaaaaaa')
    expect(JSON.parse(put.mock.calls[0][1].body)).toEqual({ text: '全文', nonce: 'n1aaaaaaaa' })
  })
})
