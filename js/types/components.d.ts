// The mini-program components (usingComponents "zailai/<name>/index"): their properties and the
// `e.detail` of each event, for a page written in TypeScript:
//   onCheckin(e: ComponentEvent<CheckinDetail>) { e.detail.events }
// docs/components/ has a page per component.
import type { Event, ZailaiError } from './core';

/** What a page's handler gets from `bind:<event>` on a component: `e.detail` is the detail.
 * (miniprogram-api-typings' `WechatMiniprogram.CustomEvent<D>` fits it too.) */
export interface ComponentEvent<D> {
  type: string;
  timeStamp: number;
  detail: D;
}

/** `bind:error` of every component: the ZailaiError itself (`code`; `message` in the
 * component's language; `params`: what the tap was about; `cause`: the original error). */
export type ErrorDetail = ZailaiError & { params: Record<string, string | number>; cause?: unknown };

/** <zl-checkin-calendar> */
export interface CheckinCalendarProps {
  /** Shown month (with `month`); the current business month when 0. */
  year?: number;
  month?: number;
  /** Ask before a make-up (it costs points). Default true. */
  confirmMakeup?: boolean;
}
/** `bind:checkin`: today checked in. */
export interface CheckinDetail {
  date: string;
  events: Event[];
}
/** `bind:makeup`: a missed day made up, for `cost` points. */
export interface MakeupDetail {
  date: string;
  cost: number;
  events: Event[];
}

/** <zl-task-list> */
export interface TaskListProps {
  /** Only tasks of this kind; all when empty. */
  kind?: '' | 'daily' | 'growth' | 'newbie';
  /** Show 去完成 on tasks in progress. Default true. */
  showGo?: boolean;
}
/** `bind:claim`: a task's reward claimed. */
export interface ClaimDetail {
  task: string;
  events: Event[];
}
/** `bind:go`: 去完成 tapped on a task in progress; the page routes by `action`. */
export interface GoDetail {
  task: string;
  /** The action that moves the task on (`share`, `query`, …: the rules' task `action`). */
  action: string;
  kind: 'daily' | 'growth' | 'newbie';
}

/** <zl-points-card>: no properties; `bind:tap` is the tap itself, once. */
export interface PointsCardProps {}

/** <zl-progress-bar> */
export interface ProgressBarProps {
  kind?: 'tier' | 'streak' | 'task';
  /** With kind 'task': the task's id. */
  task?: string;
  /** Any other progress instead of the member's. */
  value?: { percentage: number; label: string } | null;
}

/** <zl-collect-cards> */
export interface CollectCardsProps {
  /** A card set's id; the first set of a running campaign when empty. */
  set?: string;
}
/** `bind:exchange`: a full set exchanged. */
export interface ExchangeDetail {
  set: string;
  events: Event[];
}

/** <zl-lottery> */
export interface LotteryProps {
  /** A lottery's id; the first of a running (or ended) campaign when empty. */
  lottery?: string;
}
/** `bind:draw`: a draw paid, pending until a sync. */
export interface DrawDetail {
  lottery: string;
  events: Event[];
}
/** `bind:verify`: every published result checked against the revealed seed. */
export interface VerifyDetail {
  lottery: string;
  draws: number;
  won: Record<string, number>;
  mine: number[];
}
