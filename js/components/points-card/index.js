// <zl-points-card>: the balance, the points expiring soonest and today's earnings against the
// daily cap. `bind:tap` on it gets the tap itself, once (the component raises no tap of its
// own: WeChat already passes the native tap out). Default slot: below the numbers. External
// class: custom-class. Docs: docs/components/points-card.md.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class'],
  data: { balance: 0, unit: '', expiring: '', today: '' },
  methods: {
    zlRender(client) {
      const p = client.pointsSummary();
      const soonest = p.expiring[0];
      this.setData({
        balance: p.balance,
        unit: this.zlText('points'),
        expiring: soonest ? this.zlText('expiring', { n: soonest.points, date: soonest.date }) : this.zlText('noneExpiring'),
        soon: Boolean(soonest),
        today: this.zlText('today', { n: p.earnedToday, cap: p.dailyCap }),
      });
    },
  },
});
