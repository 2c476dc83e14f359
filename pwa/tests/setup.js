// Vitest runs in Node: fake-indexeddb gives Dexie an in-memory IndexedDB.
import 'fake-indexeddb/auto'
