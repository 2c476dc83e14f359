// The orgLife screens' words: { 'zh-CN': { orgLife: {...} }, en: { orgLife: {...} } }, same keys in both.
export default { 'zh-CN': {}, en: {} }
