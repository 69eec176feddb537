// <zl-lottery lottery="id">: a campaign's lottery. A draw is paid at once and stays pending
// until a sync lets the server decide it from its committed seed; after the campaign the seed
// is revealed and "verify" checks every published result. The verify action shows only when
// it can succeed: the client syncs with a server and the campaign is over (while it runs, a
// note says when). Events: draw {lottery, events}, verify {lottery, draws, won, mine}, error.
// Without `lottery`, the first of a running campaign. Slot: footer. External class:
// custom-class. Docs: docs/components/lottery.md.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class'],
  options: { multipleSlots: true },
  properties: {
    lottery: { type: String, value: '' },
  },
  data: { found: false, empty: '', verifyNote: '', canVerify: false },
  observers: {
    lottery() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRender(client) {
      const all = [];
      for (const c of client.campaigns()) if (c.status !== 'upcoming') all.push(...(c.lotteries || []).map((l) => ({ ...l, active: c.status === 'active' })));
      const l = all.find((x) => !this.data.lottery || x.id === this.data.lottery);
      if (!l) return this.setData({ found: false, empty: this.zlText('noCampaign') });
      const balance = client.pointsSummary().balance;
      const server = Boolean(client.hasServer);
      this.setData({
        found: true,
        id: l.id,
        name: l.name,
        canDraw: l.active && l.drawsLeft > 0 && balance >= l.costPoints,
        drawText: this.zlText('draw', { cost: l.costPoints }),
        left: this.zlText('drawsLeft', { n: l.drawsLeft }),
        draws: l.draws.map((d, i) => ({
          key: `${d.date}-${i}`,
          date: d.date,
          pending: d.pending,
          text: d.pending ? this.zlText('pending') : d.prize ? this.zlText('won', { prize: d.prize }) : this.zlText('lost'),
        })),
        canVerify: server && !l.active,
        // While the campaign runs the seed is secret: say when verifying becomes possible.
        verifyNote: this.zlVerifyNote || (server && l.active && l.draws.length ? this.zlText('notRevealed') : ''),
        verifyText: this.zlText('verify'),
      });
    },
    onDraw() {
      if (!this.data.canDraw) return;
      const lottery = this.data.id;
      const events = this.zlAct((c) => c.draw(lottery), { lottery });
      if (events) this.triggerEvent('draw', { lottery, events });
    },
    onVerify() {
      if (!this.zlClient || !this.data.canVerify) return Promise.resolve(); // nothing that can succeed
      const lottery = this.data.id;
      return this.zlClient.verifyLottery(lottery).then(
        (result) => {
          this.zlVerifyNote = this.zlText('verified', { n: result.draws }); // kept over renders
          this.setData({ verifyNote: this.zlVerifyNote });
          this.triggerEvent('verify', { lottery, draws: result.draws, won: result.won, mine: result.mine });
        },
        (e) => {
          if (e && e.code === 'LOTTERY_NOT_REVEALED') this.setData({ verifyNote: this.zlText('notRevealed') });
          else this.zlFail(e, { lottery });
        },
      );
    },
  },
});
