// <zl-checkin-calendar>: the month with each day's state; tapping today checks in, tapping a
// missed day that may be made up (and paid for: the balance covers its cost) asks
// (confirm-makeup) and makes it up. Events: checkin {date, events}, makeup {date, cost,
// events}, error (a ZailaiError). Slots: title, footer. External classes: custom-class,
// day-class. Docs: docs/components/checkin-calendar.md.
const zailaiBehavior = require('../behavior.js');

const TAPPABLE = { today_pending: 'checkin', makeup_available: 'makeup' };

Component({
  behaviors: [zailaiBehavior],
  externalClasses: ['custom-class', 'day-class'],
  options: { multipleSlots: true },
  properties: {
    /** Shown month; the current business month when 0. */
    year: { type: Number, value: 0 },
    month: { type: Number, value: 0 },
    /** Ask before a make-up (it costs points). */
    confirmMakeup: { type: Boolean, value: true },
  },
  data: { title: '', weekdays: [], weeks: [], streakLabel: '', footer: '' },
  observers: {
    'year, month'() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRender(client) {
      const { year, month } = this.data;
      const view = year ? client.calendar(year, month) : client.calendar();
      const cells = new Map((year ? client.calendarCells(year, month) : client.calendarCells()).map((c) => [c.date, c]));
      const balance = client.pointsSummary().balance;
      const names = this.zlText('weekdays');
      const weekdays = names.map((_, i) => names[(view.firstWeekday + i) % 7]);
      const weeks = view.weeks.map((week) =>
        week.map((d) => {
          const cell = cells.get(d.date);
          const info = cell ? cell.bottomInfo : '';
          const inMonth = d.status !== 'outside_month';
          const cost = d.makeupCost || 0;
          // A make-up the balance cannot pay is no button: no modal that can only fail.
          const affordable = d.status !== 'makeup_available' || balance >= cost;
          const note = affordable ? '' : this.zlText('makeupNoPoints');
          return {
            date: d.date,
            day: inMonth ? d.day : '',
            status: d.status,
            milestone: d.milestone,
            top: cell ? cell.topInfo : '',
            info: inMonth ? info : '',
            action: affordable ? TAPPABLE[d.status] || '' : '',
            cost,
            label: inMonth ? `${this.zlText('day', { m: view.month, d: d.day })} ${info} ${note}`.replace(/\s+/g, ' ').trim() : '',
          };
        }),
      );
      this.setData({
        title: this.zlText('month', { y: view.year, m: view.month }),
        weekdays,
        weeks,
        streakLabel: view.streakLabel,
        footer: this.zlText('makeupsLeft', { n: view.makeupsLeft }),
      });
    },
    onDayTap(e) {
      const { date, action, cost } = e.currentTarget.dataset;
      if (action === 'checkin') {
        const events = this.zlAct((c) => c.checkIn(), { date });
        if (events) this.triggerEvent('checkin', { date, events });
      } else if (action === 'makeup') {
        const run = () => {
          const events = this.zlAct((c) => c.makeUp(date), { date, cost });
          if (events) this.triggerEvent('makeup', { date, cost, events });
        };
        if (!this.data.confirmMakeup) return run();
        const [, m, d] = date.split('-').map(Number);
        wx.showModal({
          title: this.zlText('makeupTitle'),
          content: this.zlText('makeupConfirm', { day: this.zlText('day', { m, d }), cost }),
          success: (res) => res.confirm && run(),
        });
      }
    },
  },
});
