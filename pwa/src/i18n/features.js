// The catalogues of the features (recruitment, dues...), merged into zh-CN.js and en.js so that
// each feature keeps its own words in one file and both locales keep the same keys.
import recruitment from './recruitment.js'
import dues from './dues.js'
import evaluation from './evaluation.js'
import orgLife from './orgLife.js'
import records from './records.js'
import service from './service.js'
import points from './points.js'
import archive from './archive.js'
import featured from './featured.js'
import corrections from './corrections.js'
import committeeTree from './committeeTree.js'
import secretaryReview from './secretaryReview.js'
import holidays from './holidays.js'
import imports from './imports.js'
import branchExports from './exports.js'

const FEATURES = [corrections, recruitment, dues, evaluation, orgLife, records, service, archive, points, featured, holidays, secretaryReview, committeeTree, branchExports, imports]

export const featureMessages = (locale) => Object.assign({}, ...FEATURES.map((feature) => feature[locale]))
