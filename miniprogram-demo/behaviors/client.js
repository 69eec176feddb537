// What every page shares: wait for the app's zailai client, refresh on every change (actions,
// syncs) and when shown, stop listening when unloaded. A page may define onClientChange(change)
// to see the change first; it must define refresh().
module.exports = Behavior({
  methods: {
    onLoad() {
      return getApp().ready.then((client) => {
        this.client = client;
        this.off = client.on('change', (change) => {
          if (this.onClientChange) this.onClientChange(change);
          this.refresh();
        });
        this.refresh();
      });
    },
    onShow() {
      if (this.client) this.refresh();
    },
    onUnload() {
      if (this.off) this.off();
    },
  },
});
