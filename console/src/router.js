// Hash routes (#/overview): the server needs no knowledge of the console's pages, and a
// reload of any page lands on index.html. Every page but the login is its own chunk, loaded
// when first opened, so the first page stays small (scripts/size.mjs).
import { createRouter, createWebHashHistory } from 'vue-router';
import { session, restore, can } from './api.js';
import Login from './pages/Login.vue';
import Shell from './Shell.vue';

/** The pages of the side menu, in order: `role` is the least one that sees the page. */
export const pages = [
  { path: 'overview', zh: '概览', en: 'Overview', icon: 'DashboardIcon', role: 'viewer', component: () => import('./pages/Overview.vue') },
  { path: 'retention', zh: '留存', en: 'Retention', icon: 'ChartLineIcon', role: 'viewer', component: () => import('./pages/Retention.vue') },
  { path: 'members', zh: '会员', en: 'Members', icon: 'UserIcon', role: 'viewer', component: () => import('./pages/Members.vue') },
  { path: 'rules', zh: '规则', en: 'Rules', icon: 'FileCodeIcon', role: 'viewer', component: () => import('./pages/Rules.vue') },
  { path: 'campaigns', zh: '活动', en: 'Campaigns', icon: 'GiftIcon', role: 'viewer', component: () => import('./pages/Campaigns.vue') },
  { path: 'lotteries', zh: '抽奖', en: 'Lotteries', icon: 'TicketIcon', role: 'viewer', component: () => import('./pages/Lotteries.vue') },
  { path: 'messages', zh: '消息', en: 'Messages', icon: 'MailIcon', role: 'viewer', component: () => import('./pages/Messages.vue') },
  { path: 'audit', zh: '审计', en: 'Audit log', icon: 'SecuredIcon', role: 'viewer', component: () => import('./pages/Audit.vue') },
  { path: 'operators', zh: '操作员', en: 'Operators', icon: 'UsergroupIcon', role: 'admin', component: () => import('./pages/Operators.vue') },
];

export const router = createRouter({
  history: createWebHashHistory(),
  // A new page starts at its top (the window scrolls, not a pane of the layout).
  scrollBehavior: () => ({ top: 0 }),
  routes: [
    { path: '/login', name: 'login', component: Login },
    {
      path: '/',
      component: Shell,
      redirect: '/overview',
      children: [
        ...pages.map((p) => ({ path: p.path, name: p.path, component: p.component, meta: { page: p } })),
        { path: 'members/:user', name: 'member', component: () => import('./pages/Member.vue'), meta: { page: pages[2] } },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/overview' },
  ],
});

let restored = false;
router.beforeEach(async (to) => {
  if (!restored) {
    restored = true;
    await restore();
  }
  if (to.name === 'login') return session.current ? { path: (to.query.next || '/overview').toString() } : true;
  if (!session.current) return { name: 'login', query: { next: to.fullPath } };
  const page = to.meta.page;
  if (page && !can(page.role)) return { path: '/overview' };
  return true;
});
