// <zl-task-list kind="daily|growth|newbie">: the member's tasks with progress, a claim button
// for those waiting to be claimed and a 去完成 button for those in progress: the page routes
// it (`go` carries the task and the action that moves it on, e.g. share → open the share
// sheet). Events: claim {task, events}, go {task, action, kind}, error. Default slot: below
// the list. External classes: custom-class, task-class. Docs: docs/components/task-list.md.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class', 'task-class'],
  properties: {
    /** Only tasks of this kind; all when empty. */
    kind: { type: String, value: '' },
    /** Show 去完成 on tasks in progress (for a page that routes the `go` event). */
    showGo: { type: Boolean, value: true },
  },
  data: { tasks: [] },
  observers: {
    'kind, showGo'() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRender(client) {
      const tasks = client
        .tasks()
        .filter((t) => !this.data.kind || t.kind === this.data.kind)
        .map((t) => ({
          id: t.id,
          title: t.title,
          status: t.status,
          action: t.action,
          kind: t.kind,
          percentage: t.percentage,
          count: `${Math.min(t.progress, t.target)}/${t.target}`,
          reward: t.reward.points ? this.zlText('reward', { n: t.reward.points }) : '',
          claimable: t.status === 'claimable',
          go: this.data.showGo && t.status === 'in_progress',
          note: t.status === 'done' ? this.zlText('claimed') : t.status === 'expired' ? this.zlText('expired') : '',
        }));
      this.setData({ tasks, claimText: this.zlText('claim'), goText: this.zlText('go') });
    },
    onClaim(e) {
      const { task } = e.currentTarget.dataset;
      const events = this.zlAct((c) => c.claimTask(task), { task });
      if (events) this.triggerEvent('claim', { task, events });
    },
    onGo(e) {
      const { task, action, kind } = e.currentTarget.dataset;
      this.triggerEvent('go', { task, action, kind });
    },
  },
});
