// Capped exponential backoff with jitter (the same curve as sync/client.py). Pure.

/** Delay in ms before retry number `attempt` (1, 2, …): half fixed, half jittered. */
export function backoffDelay(attempt, { baseMs = 500, capMs = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return ceiling / 2 + random() * (ceiling / 2)
}

/** The Retry-After header (seconds) as ms, capped; null when absent or not a number. */
export function retryAfterMs(value, capMs = 60000) {
  if (value == null || !/^\s*\d+\s*$/.test(String(value))) return null
  return Math.min(Number(value) * 1000, capMs)
}
