// Large type (大字体): one class on <html> scales every screen (the CSS is in rem), on top of
// the phone's own text size, which the app always honours. Kept on the phone.
import { getMeta, setMeta } from '../db.js'

export function applyLargeType(on) {
  document.documentElement.classList.toggle('large-type', Boolean(on))
}

export async function loadLargeType() {
  const on = Boolean(await getMeta('large_type'))
  applyLargeType(on)
  return on
}

export async function setLargeType(on) {
  applyLargeType(on)
  await setMeta('large_type', on ? 1 : 0)
}
