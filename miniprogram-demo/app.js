// Creates the one zailai client of the app (offline state in wx storage, synced with the
// server on show and when the network returns). Pages reach it through getApp().ready.
const zailai = require('zailai');
const config = require('./config.js');

App({
  zailai,
  onLaunch() {
    const wechat = config.login === 'wechat';
    this.ready = zailai
      .createClient({
        storage: zailai.wxStorage(wx),
        user: wechat ? wx.getStorageSync('demo:openid') || 'me' : config.devUser,
        trustedKeys: config.trustedKeys,
        server: {
          url: config.serverUrl,
          transport: zailai.wxTransport(wx),
          credentials: wechat ? zailai.wxLoginCredentials(wx) : () => ({ dev_user: config.devUser }),
        },
      })
      .then((client) => {
        this.client = client;
        client.on('error', (e) => console.warn('[zailai]', e.code, e.message));
        client.on('sync', ({ rejected }) => {
          if (rejected.length) wx.showToast({ title: `${rejected.length} 项未被服务器接受`, icon: 'none' });
        });
        this.stopSync = zailai.syncOnShow(client, wx);
        client.sync().catch(() => {}); // first sync at launch; offline is fine
        return client;
      });
  },
});
