// The committee tree's words (CommitteeComplianceView.vue): breadcrumbs and sub-committee lines.
export default {
  'zh-CN': {
    committeeTree: {
      path: '所在层级',
      subCommittees: '下级党委',
      ownBranches: '直属党支部',
      branchCount: '{n}个党支部',
      behindCount: '{n}个有未落实或逾期',
      silentCount: '{n}个30天无活动',
      ruleMet: '{rule} {met}/{n}',
    },
  },
  en: {
    committeeTree: {
      path: 'Level',
      subCommittees: 'Sub-committees',
      ownBranches: 'Branches directly under it',
      branchCount: '{n} branches',
      behindCount: '{n} with a rule missed or late',
      silentCount: '{n} silent for 30 days',
      ruleMet: '{rule} {met}/{n}',
    },
  },
}
