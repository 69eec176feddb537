// A mini-program written in TypeScript the way WeChat's TS template sets it up (tsconfig.json
// beside: module CommonJS, no moduleResolution, miniprogram-api-typings), with `zailai` in
// node_modules as npm installs it. TypeScript 5 resolves it with node10 (package.json
// `types`), TypeScript 7 with bundler (`exports`, conditions require + types): both must
// find the mini-program entry. js/test/types.test.js compiles it with each.
import { startApp, getClient, wxLoginCredentials, wxTransport, type Client, type ZailaiErrorCode } from 'zailai';
import type { ComponentEvent, CheckinDetail, MakeupDetail, ClaimDetail, GoDetail, ExchangeDetail, DrawDetail, VerifyDetail, ErrorDetail, CheckinCalendarProps, TaskListProps } from 'zailai';

App({
  onLaunch() {
    void startApp({ locale: wx.getAppBaseInfo().language, syncDelayMs: 2000, server: { url: 'https://api.example.com', transport: wxTransport(wx), credentials: wxLoginCredentials(wx) } }, wx);
  },
});

Page({
  async onLoad() {
    const client: Client = await getClient();
    void client.hasServer;
    const showLogin: boolean = client.anonymous;
    void showLogin;
  },
  onCheckin(e: ComponentEvent<CheckinDetail>) {
    const date: string = e.detail.date;
    void [date, e.detail.events.map((ev) => ev.type)];
  },
  onMakeup(e: ComponentEvent<MakeupDetail>) {
    const cost: number = e.detail.cost;
    void cost;
  },
  onClaim(e: ComponentEvent<ClaimDetail>) {
    void e.detail.task;
  },
  // miniprogram-api-typings' own event type takes the same details.
  onGo(e: WechatMiniprogram.CustomEvent<GoDetail>) {
    wx.navigateTo({ url: `/pages/${e.detail.action}/index?task=${e.detail.task}` });
  },
  onExchange(e: ComponentEvent<ExchangeDetail>) {
    void e.detail.set;
  },
  onDraw(e: ComponentEvent<DrawDetail>) {
    void e.detail.lottery;
  },
  onVerify(e: ComponentEvent<VerifyDetail>) {
    const mine: number[] = e.detail.mine;
    void mine;
  },
  onError(e: ComponentEvent<ErrorDetail>) {
    const code: ZailaiErrorCode = e.detail.code;
    wx.showToast({ title: e.detail.message, icon: 'none' });
    void [code, e.detail.params, e.detail instanceof Error];
  },
});

const props: CheckinCalendarProps & TaskListProps = { year: 2026, month: 11, confirmMakeup: false, kind: 'daily', showGo: true };
void props;

// The checks can fail: wrong shapes and a wrong `wx` are refused.
// @ts-expect-error a date is a string
const wrong: CheckinDetail = { date: 20261103, events: [] };
void wrong;
// @ts-expect-error no such task kind
const kind: TaskListProps = { kind: 'weekly' };
void kind;
// @ts-expect-error `wx` is typed (miniprogram-api-typings' Wx), not unknown
void startApp({}, { getStorageSync: 1 });
