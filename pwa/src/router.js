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
  { path: '/manage/members/:id', name: 'member', component: () => import('./views/MemberView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id', name: 'manage-event', component: () => import('./views/ManageEventView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/code', name: 'event-code', component: () => import('./views/EventCodeView.vue'), props: true, meta: { manager: true, fullscreen: true } },
  { path: '/manage/events/:id/scan-card', name: 'scan-card', component: () => import('./views/ScanCardView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/manual', name: 'manual', component: () => import('./views/ManualEntryView.vue'), props: true, meta: { manager: true } },
  { path: '/manage/events/:id/attendance', name: 'attendance', component: () => import('./views/AttendanceView.vue'), props: true, meta: { manager: true } },
  { path: '/compliance/branches/:id', name: 'compliance', component: () => import('./views/ComplianceView.vue'), props: true },
  { path: '/compliance/committees/:id', name: 'committee-compliance', component: () => import('./views/CommitteeComplianceView.vue'), props: true },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue'), meta: { tabbar: true } },
  { path: '/notifications', name: 'notifications', component: () => import('./views/NotificationsView.vue') },
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
