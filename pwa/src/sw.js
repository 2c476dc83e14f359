// The service worker. It ONLY: precaches the app shell and assets, routes navigations to
// index.html (the app then works with no network), applies an update when the page asks
// ('SKIP_WAITING'), and relays Background Sync to the page as a message. It never caches or
// answers /api/ (every API call goes to the network through net.js), and holds no data logic:
// the outbox, sync and retries live in the page (Safari has no Background Sync).
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// The first install takes control of the open page at once, so a phone that goes offline
// during its very first session still gets every screen from the precache. Later versions
// still wait for the user's "update" (skipWaiting only on request).
clientsClaim()

registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), {
  denylist: [/^\/api\//, /^\/tls\//],
}))

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting()
})

self.addEventListener('sync', (event) => {
  if (event.tag !== 'zhibu-sync') return
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: 'ZHIBU_SYNC' })
    }),
  )
})
