// The service worker. It ONLY: precaches the app shell and assets, routes navigations to
// index.html (the app then works with no network), applies an update when the page asks
// ('SKIP_WAITING'), relays Background Sync to the page as a message, shows a Web Push as a
// notification and opens its page when tapped. It never caches or answers /api/ (every API
// call goes to the network through net.js), and holds no data logic: the outbox, sync and
// retries live in the page (Safari has no Background Sync), and what a push says is the server's.
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

// Web Push (server/notifications/push.py): {title, body, url}, shown as it came.
self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = {}
  }
  const text = (v) => (typeof v === 'string' ? v : '')
  event.waitUntil(self.registration.showNotification(text(data.title) || '支部', {
    body: text(data.body),
    icon: '/icons/icon-192.png',
    badge: '/icons/favicon-48.png',
    data: { url: text(data.url) },
  }))
})

// A tap opens the notification's page in the app (an open window is reused), never another site.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const target = new URL(event.notification.data?.url || '/', self.location.origin)
  const url = target.origin === self.location.origin ? target.href : new URL('/', self.location.origin).href
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    for (const client of windows) {
      try {
        const focused = await client.focus()
        return await (focused ?? client).navigate(url)
      } catch {
        // not ours to steer: open a new window below
      }
    }
    return self.clients.openWindow(url)
  })())
})
