// The evaluation screens' words: { 'zh-CN': { evaluation: {...} }, en: { evaluation: {...} } }, same keys in both.
export default { 'zh-CN': {}, en: {} }
