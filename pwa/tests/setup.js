// Vitest runs in Node: fake-indexeddb gives Dexie an in-memory IndexedDB.
import 'fake-indexeddb/auto'

// The suite runs in a zone far from China's, so a date read in the phone's own zone instead of
// China's shows up as a failure (the app's dates are Asia/Shanghai on every phone).
process.env.TZ = 'America/Los_Angeles'
