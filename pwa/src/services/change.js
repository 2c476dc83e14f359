// Sending one change to the server from a screen: refuse at once when offline (the form stays a
// draft), show busy while it runs, then the server's refusal in words or the screen's "done".
// Screens used to repeat this; they share it now.
import { ref } from 'vue'
import { syncState } from './syncer.js'
import { failureText } from './forms.js'

export function useChange(t, { explain = () => null } = {}) {
  const busy = ref(false)
  const error = ref('')
  const done = ref('')
  /** Run `call` (→ {ok, data|status, body}); returns the answer when it went through, else null. */
  async function send(call, message) {
    error.value = done.value = ''
    if (!syncState.online) {
      error.value = t('form.offline')
      return null
    }
    busy.value = true
    try {
      const res = await call()
      if (!res.ok) {
        error.value = explain(res) ?? failureText(res, t)
        return null
      }
      if (message) done.value = message
      return res
    } finally {
      busy.value = false
    }
  }
  return { busy, error, done, send }
}
