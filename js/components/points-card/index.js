// <zl-points-card>: the balance, the points expiring soonest and today's earnings against the
// daily cap. Tapping it raises `tap` (to open a points page).
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
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
    onTap() {
      this.triggerEvent('tap', {});
    },
  },
});
