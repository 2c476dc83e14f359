import { createRouter, createWebHistory } from 'vue-router'
import { isManager, session } from './services/session.js'

// Every screen is its own chunk: the first screen loads only what it shows.
const routes = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/', name: 'home', component: () => import('./views/HomeView.vue'), meta: { tabbar: true } },
  { path: '/card', name: 'card', component: () => import('./views/CardView.vue'), meta: { fullscreen: true } },
  { path: '/scan', name: 'scan', component: () => import('./views/ScanView.vue') },
  { path: '/records', name: 'records', component: () => import('./views/RecordsView.vue'), meta: { tabbar: true } },
  { path: '/events', name: 'events', component: () => import('./views/EventsView.vue'), meta: { tabbar: true } },
  { path: '/events/:id', name: 'event', component: () => import('./views/EventView.vue'), props: true },
  { path: '/manage', name: 'manage', component: () => import('./views/ManageView.vue'), meta: { tabbar: true, manager: true } },
  { path: '/manage/events/new', name: 'event-new', component: () => import('./views/EventFormView.vue'), meta: { manager: true } },
  { path: '/manage/events/:id/edit', name: 'event-edit', component: () => import('./views/EventFormView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/filings', name: 'filings', component: () => import('./views/FilingsView.vue'), meta: { manager: true } },
  { path: '/manage/plan', name: 'plan', component: () => import('./views/PlanView.vue'), meta: { manager: true } },
  { path: '/manage/rectification', name: 'rectification', component: () => import('./views/RectificationView.vue'), meta: { manager: true } },
  { path: '/manage/members', name: 'roster', component: () => import('./views/RosterView.vue'), meta: { manager: true } },
  { path: '/manage/members/new', name: 'member-new', component: () => import('./views/MemberView.vue'), meta: { manager: true } },
  { path: '/manage/members/:id/records/new', name: 'record-entry', component: () => import('./views/RecordEntryView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/members/:id', name: 'member', component: () => import('./views/MemberView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id', name: 'manage-event', component: () => import('./views/ManageEventView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/code', name: 'event-code', component: () => import('./views/EventCodeView.vue'), props: true, meta: { manager: true, fullscreen: true } },
  { path: '/manage/events/:id/scan-card', name: 'scan-card', component: () => import('./views/ScanCardView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/manual', name: 'manual', component: () => import('./views/ManualEntryView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/attendance', name: 'attendance', component: () => import('./views/AttendanceView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/recruitment', name: 'recruitment', component: () => import('./views/RecruitmentView.vue'), meta: { manager: true } },
  // A case: the branch's managers and its committee (the server decides who sees it).
  { path: '/recruitment/:id', name: 'recruitment-case', component: () => import('./views/RecruitmentCaseView.vue'), props: true },
  { path: '/committees/:id/recruitment', name: 'committee-recruitment', component: () => import('./views/RecruitmentCommitteeView.vue'), props: true },
  { path: '/manage/dues', name: 'dues', component: () => import('./views/DuesView.vue'), meta: { manager: true } },
  { path: '/manage/featured', name: 'featured', component: () => import('./views/FeaturedView.vue'), meta: { manager: true } },
  { path: '/manage/dues/members/:id', name: 'dues-member', component: () => import('./views/DuesMemberView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/dues/remittances', name: 'dues-remittances', component: () => import('./views/DuesRemittanceView.vue'), meta: { manager: true } },
  { path: '/manage/dues/publication', name: 'dues-publication', component: () => import('./views/DuesPublicationView.vue'), meta: { manager: true } },
  { path: '/dues', name: 'dues-mine', component: () => import('./views/DuesMineView.vue') },
  // Points (积分考核): the secretary's scheme and publication, the member's own points.
  { path: '/manage/points', name: 'points-scheme', component: () => import('./views/PointsSchemeView.vue'), meta: { manager: true } },
  { path: '/manage/points/publish', name: 'points-publish', component: () => import('./views/PointsPublishView.vue'), meta: { manager: true } },
  { path: '/points', name: 'points-mine', component: () => import('./views/PointsMineView.vue') },
  { path: '/committees/:id/dues', name: 'committee-dues', component: () => import('./views/DuesCommitteeView.vue'), props: true },
  // Democratic evaluation: the member's page, the secretary's stage page and sheets, tellers (the
  // server decides who may: managers and named members), the committee's review, and an invited
  // non-member's form (public: its token is the ballot).
  { path: '/evaluation', name: 'evaluation', component: () => import('./views/EvaluationMemberView.vue') },
  { path: '/evaluation/:id/tellers', name: 'evaluation-tellers', component: () => import('./views/TellerView.vue'), props: true },
  { path: '/manage/evaluation', name: 'evaluation-manage', component: () => import('./views/EvaluationView.vue'), meta: { manager: true } },
  { path: '/manage/evaluation/:id/members/:memberId', name: 'evaluation-sheet', component: () => import('./views/EvaluationSheetView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/evaluation/:id/print', name: 'evaluation-print', component: () => import('./views/EvaluationPrintView.vue'), props: true, meta: { manager: true, fullscreen: true } },
  { path: '/committee/evaluations', name: 'evaluation-review', component: () => import('./views/EvaluationReviewView.vue') },
  { path: '/ballot', name: 'ballot', component: () => import('./views/BallotView.vue'), meta: { public: true } },
  // The org-life meeting: the secretary's page (this year's), a meeting (its managers and committee), the member's own.
  { path: '/manage/org-life', name: 'org-life', component: () => import('./views/OrgLifeView.vue'), meta: { manager: true } },
  { path: '/org-life/mine', name: 'org-life-mine', component: () => import('./views/OrgLifeMineView.vue') },
  { path: '/service', name: 'service-mine', component: () => import('./views/ServiceMineView.vue') },
  { path: '/manage/service', name: 'service-posts', component: () => import('./views/ServiceView.vue'), meta: { manager: true } },
  { path: '/org-life/:id', name: 'org-life-meeting', component: () => import('./views/OrgLifeView.vue'), props: true },
  { path: '/committees/:id/org-life', name: 'committee-org-life', component: () => import('./views/OrgLifeCommitteeView.vue'), props: true },
  { path: '/manage/secretary-review', name: 'secretary-review', component: () => import('./views/SecretaryReviewView.vue'), meta: { manager: true } },
  { path: '/secretary-reviews/:branchId/:year', name: 'secretary-review-branch', component: () => import('./views/SecretaryReviewView.vue'), props: true },
  { path: '/committees/:id/secretary-reviews', name: 'committee-secretary-reviews', component: () => import('./views/SecretaryReviewCommitteeView.vue'), props: true },
  { path: '/compliance/branches/:id', name: 'compliance', component: () => import('./views/ComplianceView.vue'), props: true },
  { path: '/compliance/committees/:id', name: 'committee-compliance', component: () => import('./views/CommitteeComplianceView.vue'), props: true },
  { path: '/archive', name: 'archive-mine', component: () => import('./views/ArchiveView.vue') },
  { path: '/archive/members/:id', name: 'archive', component: () => import('./views/ArchiveView.vue'), props: true },
  { path: '/archive/branches/:id', name: 'archive-branch', component: () => import('./views/ArchiveBranchView.vue'), props: true },
  { path: '/verify-archive', name: 'archive-verify', component: () => import('./views/ArchiveVerifyView.vue') },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue'), meta: { tabbar: true } },
  // The official holiday schedule: loaded by the top-level committee's accounts (the screen tells others who does).
  { path: '/calendar/schedule', name: 'holiday-schedule', component: () => import('./views/HolidayScheduleView.vue') },
  // Importing rosters, branches and groups, past meetings: committees and branch managers (server/imports).
  { path: '/imports', name: 'imports', component: () => import('./views/ImportView.vue') },
  { path: '/notifications', name: 'notifications', component: () => import('./views/NotificationsView.vue') },
  // Correction requests (整改通知, server/corrections) and the committee's filings inbox.
  { path: '/committees/:id/corrections', name: 'committee-corrections', component: () => import('./views/CorrectionsView.vue'), props: true },
  { path: '/manage/corrections', name: 'corrections', component: () => import('./views/CorrectionsView.vue'), meta: { manager: true } },
  { path: '/corrections/:id', name: 'correction', component: () => import('./views/CorrectionView.vue'), props: true },
  { path: '/committees/:id/filings', name: 'committee-filings', component: () => import('./views/FilingsInboxView.vue'), props: true },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach((to) => {
  if (!to.meta.public && !session.username) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.meta.manager && !isManager()) return { name: 'home' }
  return true
})
