// Start-up: language, session (from IndexedDB, so the app opens logged in offline), the app,
// the service worker, and a first sync.
import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { DEFAULT_LOCALE, i18n, setLocale } from './i18n/index.js'
import { getMeta } from './db.js'
import { loadSession, refreshMe, session } from './services/session.js'
import { refreshCounts, startSyncTriggers, syncNow } from './services/syncer.js'
import { registerServiceWorker } from './services/update.js'
import { loadLargeType } from './services/display.js'
import './vant-styles.js'
import './styles.css'

async function start() {
  try {
    setLocale((await getMeta('locale')) ?? DEFAULT_LOCALE)
    await loadLargeType()
    await loadSession()
  } catch {
    // IndexedDB unavailable (a private window in an old browser): run without local data.
    setLocale(DEFAULT_LOCALE)
    session.ready = true
  }
  const app = createApp(App)
  app.use(i18n)
  app.use(router)
  app.mount('#app')
  startSyncTriggers()
  registerServiceWorker()
  await refreshCounts().catch(() => {})
  if (session.username) {
    syncNow('start')
    if (navigator.onLine && !session.loginRequired) refreshMe() // posts can change without a new token
  }
}

start()
