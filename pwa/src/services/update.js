// Registers the service worker and offers a new version when one is waiting. Updating only
// swaps the cached app files and reloads: the outbox is in IndexedDB and is never touched.
import { registerSW } from 'virtual:pwa-register'
import { t } from '../i18n/index.js'

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return
  let offered = false
  const updateSW = registerSW({
    immediate: true,
    async onNeedRefresh() {
      if (offered) return
      offered = true
      const { confirm } = await import('../ui.js')
      const yes = await confirm(t('update.title'), t('update.message'), {
        confirmButtonText: t('update.action'), cancelButtonText: t('update.later'),
      })
      offered = false
      if (yes) await updateSW(true) // SKIP_WAITING, then reload once the new worker controls
    },
    onRegisteredSW(_url, registration) {
      if (!registration) return
      // Look for a new version now and then while the app stays open.
      setInterval(() => { if (navigator.onLine) registration.update().catch(() => {}) }, 60 * 60 * 1000)
    },
  })
}
