// Importing the workbooks branches already keep (server/imports): download the blank template,
// check a file (POST /imports/check: every problem by sheet, row and column, or what importing it
// would do; nothing saved), then import it (POST /imports: the same file again, checked again and
// written all or nothing). Online only: the check needs the server's roster. Pure helpers below
// are tested in tests/imports.test.js.
import { request } from '../net.js'
import { downloadFile } from './compliance.js'

function upload(path, file) {
  const form = new FormData()
  form.set('file', file, file.name || 'roster.xlsx')
  return request('POST', path, { formData: form })
}

export const importsApi = {
  template: () => downloadFile('/imports/template', 'zhibu-import-template.xlsx'),
  check: (file) => upload('/imports/check', file),
  run: (file) => upload('/imports', file),
}

// The server's own limit (IMPORT_MAX_BYTES, 8 MB by default): refused here before uploading.
export const MAX_BYTES = 8 * 1024 * 1024

/** Whether a picked file may be sent: → null, or an i18n key saying why not. */
export function fileProblem(file) {
  if (!file) return 'imports.noFile'
  if (!/\.xlsx$/i.test(file.name ?? '')) return 'imports.notXlsx'
  if (file.size > MAX_BYTES) return 'imports.tooLarge'
  return null
}

/** The summary's lines worth showing, in a fixed order: [{key, n}] with n > 0 (unchanged ones too). */
export function summaryLines(summary) {
  const order = ['branches_new', 'groups_new', 'members_new', 'members_updated', 'members_unchanged',
    'meetings_new', 'meetings_unchanged']
  return order.filter((key) => (summary?.[key] ?? 0) > 0).map((key) => ({ key, n: summary[key] }))
}

/** The problems of a refused import (422: each problem's sentence in errors.file). */
export function refusedProblems(body) {
  const list = body?.errors?.file
  return Array.isArray(list) ? list.map(String) : []
}
