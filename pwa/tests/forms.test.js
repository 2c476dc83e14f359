import { describe, expect, it } from 'vitest'
import { failureText, fieldMessage } from '../src/services/forms.js'

const t = (key, params = {}) => `${key}${params.message !== undefined ? `:${params.message}` : ''}`

describe('failure wording', () => {
  it('says offline, forbidden, conflict, or the first field message', () => {
    expect(failureText({ ok: false, network: true }, t)).toBe('form.offline')
    expect(failureText({ ok: false, status: 403, body: {} }, t)).toBe('form.forbidden')
    expect(failureText({ ok: false, status: 409, body: { message: 'held' } }, t)).toBe('form.conflict:held')
    const invalid = { ok: false, status: 422, body: { message: 'x', errors: { json: { ends_at: ['Before start.'] } } } }
    expect(failureText(invalid, t)).toBe('form.invalid:Before start.')
    expect(failureText({ ok: false, status: 500, body: { message: 'boom' } }, t)).toBe('form.failed:boom')
  })

  it('reads nested field messages', () => {
    expect(fieldMessage({ errors: { json: { keys: { auth: ['Missing.'] } } } })).toBe('Missing.')
    expect(fieldMessage({})).toBeNull()
  })
})
