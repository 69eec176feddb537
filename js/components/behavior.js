// What every zailai component shares: the app's client (startApp's, from getClient), a render on
// every change of the member (actions, syncs) and when the page shows again (the business day
// may have turned), component texts in the language the rules' texts are shown in (one locale
// resolution: ./texts.js), and errors as an `error` event whose detail is a ZailaiError with a
// message in that language.
// Pages may use it too (Component-built pages); a page made with Page() calls getClient().
const zailai = require('./index.js');
const { componentLanguage, errorMessage, fill, TEXTS } = require('./texts.js');

module.exports = Behavior({
  lifetimes: {
    attached() {
      zailai.getClient().then((client) => {
        if (this.zlDetached) return;
        this.zlClient = client;
        this.zlOff = client.on('change', () => this.zlRefresh());
        this.zlRefresh();
      });
    },
    detached() {
      this.zlDetached = true;
      if (this.zlOff) this.zlOff();
    },
  },
  pageLifetimes: {
    show() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRefresh() {
      if (!this.zlClient) return;
      try {
        // Once a render: a text per day cell would otherwise ask the rules each time.
        this.zlLang = componentLanguage(this.zlClient);
        this.zlRender(this.zlClient);
      } catch (e) {
        this.zlFail(e);
      }
    },
    /** A component text in the language of the rules' texts. */
    zlText(key, args = {}) {
      const text = TEXTS[this.zlLanguage()][key];
      return typeof text === 'string' ? fill(text, args) : text;
    },
    zlLanguage() {
      return this.zlLang || componentLanguage(this.zlClient);
    },
    /** Runs an action of the client; its events, or null after an `error` event. */
    zlAct(fn, params = {}) {
      try {
        return fn(this.zlClient);
      } catch (e) {
        this.zlFail(e, params);
        return null;
      }
    },
    /** An `error` event: detail is a ZailaiError (code, message in the component's language,
     * params: what the tap was about), the original error as `cause`. */
    zlFail(e, params = {}) {
      const code = (e && e.code) || 'INTERNAL';
      const original = (e && e.message) || String(e);
      const extra = { params, cause: e };
      if (e && e.path !== undefined) extra.path = e.path;
      const detail = Object.assign(new zailai.ZailaiError(code, errorMessage(componentLanguage(this.zlClient), code, original, params)), extra);
      this.triggerEvent('error', detail);
    },
  },
});
