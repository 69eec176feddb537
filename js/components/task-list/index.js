// <zl-task-list kind="daily|growth|newbie">: the member's tasks with progress and a claim
// button for those waiting to be claimed. Events: claim {task, events}, error.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  properties: {
    /** Only tasks of this kind; all when empty. */
    kind: { type: String, value: '' },
  },
  data: { tasks: [] },
  observers: {
    kind() {
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
          percentage: t.percentage,
          count: `${Math.min(t.progress, t.target)}/${t.target}`,
          reward: t.reward.points ? this.zlText('reward', { n: t.reward.points }) : '',
          claimable: t.status === 'claimable',
          note: t.status === 'done' ? this.zlText('claimed') : t.status === 'expired' ? this.zlText('expired') : '',
        }));
      this.setData({ tasks, claimText: this.zlText('claim') });
    },
    onClaim(e) {
      const { task } = e.currentTarget.dataset;
      const events = this.zlAct((c) => c.claimTask(task));
      if (events) this.triggerEvent('claim', { task, events });
    },
  },
});
