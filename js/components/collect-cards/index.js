// <zl-collect-cards set="id">: a collect-cards set (集福卡) of a running campaign: the kinds held,
// how many more cards today, and an exchange button once one of every kind is held.
// Events: exchange {set, events}, error. Without `set`, the first set of a running campaign.
// Slot: footer. External classes: custom-class, card-class. Docs: docs/components/collect-cards.md.
const zailaiBehavior = require('../behavior.js');

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class', 'card-class'],
  options: { multipleSlots: true },
  properties: {
    set: { type: String, value: '' },
  },
  data: { found: false, empty: '' },
  observers: {
    set() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRender(client) {
      const sets = [];
      for (const c of client.campaigns()) if (c.status === 'active') sets.push(...(c.cards || []));
      const s = sets.find((x) => !this.data.set || x.id === this.data.set);
      if (!s) return this.setData({ found: false, empty: this.zlText('noCampaign') });
      this.setData({
        found: true,
        id: s.id,
        name: s.name,
        kinds: s.kinds.map((k) => ({ id: k.id, name: k.name, held: k.held, label: `${k.name} ×${k.held}` })),
        progress: s.progress,
        complete: s.complete,
        today: this.zlText('cardsToday', { n: s.todayLeft }),
        exchanged: s.exchanged ? this.zlText('exchanged', { n: s.exchanged }) : '',
        exchangeText: this.zlText('exchange'),
      });
    },
    onExchange() {
      if (!this.data.complete) return;
      const set = this.data.id;
      const events = this.zlAct((c) => c.exchangeCards(set), { set });
      if (events) this.triggerEvent('exchange', { set, events });
    },
  },
});
