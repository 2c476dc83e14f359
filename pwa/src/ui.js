// Vant's function APIs (toast, dialog, notify), loaded with the screens that use them (and by
// the update prompt). Their CSS is in vant-styles.js.
import { closeToast, showConfirmDialog, showDialog, showNotify, showToast } from 'vant'

export const toast = (message, opts = {}) => showToast({ message, duration: 3000, wordBreak: 'break-word', ...opts })
export const success = (message) => showToast({ type: 'success', message, duration: 2500 })
export const fail = (message) => showToast({ type: 'fail', message, duration: 3500, wordBreak: 'break-word' })
export const notify = (message, type = 'primary') => showNotify({ type, message, duration: 0 })
export const alert = (title, message) => showDialog({ title, message })
export const confirm = (title, message, opts = {}) => showConfirmDialog({ title, message, ...opts }).then(() => true, () => false)
export { closeToast }
