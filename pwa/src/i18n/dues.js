// The dues screens' words: { 'zh-CN': { dues: {...} }, en: { dues: {...} } }, same keys in both.
export default { 'zh-CN': {}, en: {} }
