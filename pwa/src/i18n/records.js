// The secretary's entry of records no scan produces (RecordEntryView).
export default {
  'zh-CN': {
    recordEntry: {
      title: '记实录入', open: '录入奖惩、发挥作用等记实', kind: '记实类别', date: '日期', what: '内容（简要）', detail: '详细情况（可选）',
      submit: '保存记实', saved: '已保存，待党员本人核实、支部确认', titleRequired: '请填写内容',
      dateInvalid: '日期不能晚于今天', thisYear: '本年度已录入', none: '本年度尚无此类记实',
      hint: {
        role_performance: '每名党员每年至少记实一次发挥作用情况',
        outstanding_deed: '先进事迹应在发生后7天内记实',
        reward: '受到的表彰奖励', punishment: '受到的处分（按规定程序作出后记实）',
        study: '党员参加的学习', service: '党员参加的服务活动',
      },
      status: { pending: '待核实', acknowledged: '待确认', confirmed: '已确认' },
    },
  },
  en: {
    recordEntry: {
      title: 'Enter a record', open: 'Enter rewards, role and other records', kind: 'Kind of record', date: 'Date', what: 'What (in short)', detail: 'Details (optional)',
      submit: 'Save the record', saved: 'Saved; waiting for the member to acknowledge and the branch to confirm', titleRequired: 'Say what it was',
      dateInvalid: 'The date cannot be after today', thisYear: 'Entered this year', none: 'No such records this year',
      hint: {
        role_performance: "Each member's role is recorded at least once a year",
        outstanding_deed: 'Outstanding deeds are recorded within 7 days',
        reward: 'A commendation or award received', punishment: 'A disciplinary measure (recorded once decided by the rules)',
        study: 'Study the member took part in', service: 'Service the member took part in',
      },
      status: { pending: 'To acknowledge', acknowledged: 'To confirm', confirmed: 'Confirmed' },
    },
  },
}
