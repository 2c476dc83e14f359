// vue-i18n: Simplified Chinese by default, English second. Every UI string is in the catalogues.
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN.js'
import en from './en.js'

export const LOCALES = ['zh-CN', 'en']
export const DEFAULT_LOCALE = 'zh-CN'

export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(locale) {
  const l = LOCALES.includes(locale) ? locale : DEFAULT_LOCALE
  i18n.global.locale.value = l
  if (typeof document !== 'undefined') document.documentElement.lang = l
  return l
}

/** A rejection code in plain words, whatever the code (unknown codes say which). */
export function rejectionText(code) {
  const t = i18n.global.t
  return i18n.global.te(`reject.${code}`) ? t(`reject.${code}`) : t('reject.unknown', { code: String(code) })
}

export const t = (...args) => i18n.global.t(...args)
