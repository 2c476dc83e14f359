// The recruitment screens' words: { 'zh-CN': { recruitment: {...} }, en: { recruitment: {...} } }, same keys in both.
export default { 'zh-CN': {}, en: {} }
