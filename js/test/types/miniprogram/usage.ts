// A mini-program page as a TypeScript project writes it: miniprogram-api-typings, no DOM lib,
// --strict, no skipLibCheck, and `zailai` resolved the way the WeChat template resolves it
// (classic node resolution: package.json `types`, the mini-program entry). Every call below
// passes the real `wx` object.
import {
  createClient, startApp, getClient, wxStorage, wxTransport, wxLoginCredentials, syncOnShow, drawPoster, isZailaiError,
  ZailaiError, vantFormatter, type Client, type ZailaiErrorCode, type CalendarView,
} from 'zailai';

let client: Client | undefined;

// App.onLaunch: the app's one client, recording use by itself.
App({
  onLaunch() {
    startApp({ user: 'u1', locale: wx.getAppBaseInfo().language }, wx).catch((e: unknown) => {
      if (isZailaiError(e)) console.error(e.code);
    });
  },
});

async function launch(): Promise<Client> {
  const shared: Client = await getClient();
  void shared;
  const language = wx.getAppBaseInfo().language; // 'zh_CN', 'en', …
  client = await createClient({
    storage: wxStorage(wx),
    user: 'u1',
    locale: language,
    server: { url: 'https://api.example.com', transport: wxTransport(wx), credentials: wxLoginCredentials(wx) },
  });
  const stop: () => void = syncOnShow(client, wx);
  void stop;
  return client;
}

Page({
  data: { calendar: null as CalendarView | null, formatter: null as unknown },
  async onLoad() {
    const c = await launch();
    this.setData({ calendar: c.calendar(), formatter: vantFormatter(c.calendarCells()) });
    try {
      c.checkIn();
    } catch (e) {
      if (isZailaiError(e)) {
        const code: ZailaiErrorCode = e.code;
        if (code === 'ALREADY_CHECKED_IN') wx.showToast({ title: '今天已签到' });
      }
      if (e instanceof ZailaiError && e.path) console.warn(e.path);
    }
    await drawPoster(this, '#poster', c, { theme: { fontSize: 28, madeUp: '#ffb38a' } }, wx);
  },
});

import * as entry from 'zailai';
// @ts-expect-error the mini-program entry has no loadSync (Node only)
void entry.loadSync;
// @ts-expect-error nor localStorageAdapter (there is no localStorage in a mini-program)
void entry.localStorageAdapter;
