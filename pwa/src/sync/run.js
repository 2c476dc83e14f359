// One sync run: push the outbox, then pull (docs/sync-protocol.md, "Client behaviour"). Pure:
// storage and network are arguments (see push.js and pull.js for what they must do).
import { pushOutbox } from './push.js'
import { pullAll } from './pull.js'

/**
 * @returns {{outcome, push, pull}} where outcome is 'ok' | 'offline' | 'login' | 'update' | 'error' | 'refused'.
 * A 401 (login required) or a network failure stops the run and keeps the outbox untouched.
 */
export async function runSync(username, deps) {
  const push = await pushOutbox(username, deps.push)
  if (push.outcome === 'login' || push.outcome === 'offline') return { outcome: push.outcome, push, pull: null }
  const pull = await pullAll(deps.pull)
  const outcome = pull.outcome !== 'ok' ? pull.outcome : push.outcome
  return { outcome, push, pull }
}

export { pushOutbox, pullAll }
