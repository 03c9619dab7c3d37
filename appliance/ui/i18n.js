// Every string of the appliance's pages, in both languages. zh-CN is the default; the choice
// is remembered in localStorage. Elements carry `data-i18n="key"` (text),
// `data-i18n-placeholder="key"` or `data-i18n-title="key"`; code calls `t(key, params)`.

export const messages = {
  'zh-CN': {
    'app.title': '联络中心 · 坐席工作台',
    'app.short': '坐席工作台',
    'wallboard.title': '联络中心 · 实时大屏',
    'lang.switch': 'English',
    'login.heading': '坐席登录',
    'login.username': '工号 / 用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'login.invalid': '用户名或密码错误',
    'login.locked': '失败次数过多，请 {s} 秒后再试',
    'login.failed': '登录失败：{reason}',
    'header.logout': '退出',
    'header.wallboard': '实时大屏',
    'header.desk': '坐席工作台',
    'role.agent': '坐席',
    'role.supervisor': '班长',
    'role.admin': '管理员',
    'conn.online': '已连接',
    'conn.offline': '连接中断，正在重连…',
    'state.logged-out': '未签入',
    'state.ready': '就绪',
    'state.not-ready': '未就绪',
    'state.away': '离开',
    'state.reserved': '振铃中',
    'state.busy': '通话中',
    'state.hold': '保持中',
    'state.wrap-up': '话后整理',
    'state.heading': '状态',
    'state.ready.button': '就绪',
    'state.notReady.button': '未就绪',
    'state.away.button': '离开',
    'state.reason': '原因',
    'state.signIn': '签入',
    'state.signOut': '签出',
    'reason.login': '刚签入',
    'reason.missed': '未接来电',
    'reason.rejected': '拒接',
    'phone.heading': '软电话',
    'phone.number': '电话号码',
    'phone.dial': '拨打',
    'phone.idle': '空闲',
    'phone.mic': '麦克风',
    'phone.micOk': '麦克风已就绪',
    'phone.micDenied': '无法使用麦克风：{reason}',
    'phone.insecure': '此页面不是安全连接（HTTPS），浏览器不允许使用麦克风',
    'call.dialing': '正在呼叫',
    'call.ringing': '对方振铃',
    'call.connected': '通话中',
    'call.held': '已保持',
    'call.ended': '已结束',
    'call.inbound': '呼入',
    'call.outbound': '呼出',
    'call.hangup': '挂断',
    'call.hold': '保持',
    'call.retrieve': '恢复',
    'call.transfer': '转接',
    'call.keypad': '拨号盘（发送按键音）',
    'call.transferTo': '转接到',
    'call.target': '目标',
    'transfer.queue': '队列',
    'transfer.agent': '坐席',
    'transfer.number': '外部号码',
    'offer.heading': '来电',
    'offer.title': '【来电】{caller}',
    'offer.answer': '接听',
    'offer.reject': '拒接',
    'offer.queue': '队列',
    'offer.did': '被叫号码',
    'offer.ringsFor': '剩余 {s} 秒',
    'offer.ended.abandoned': '来电已挂断',
    'offer.ended.ring-no-answer': '未接听，来电已转回队列',
    'offer.ended.rejected': '已拒接',
    'offer.ended.logout': '已签出',
    'pop.heading': '客户信息',
    'pop.caller': '来电号码',
    'pop.name': '姓名',
    'pop.level': '等级',
    'pop.vip': 'VIP',
    'pop.notes': '备注',
    'pop.tags': '标签',
    'pop.unknown': '新客户（无记录）',
    'pop.choices': '语音导航选择',
    'pop.noChoices': '无',
    'pop.history': '历史联系',
    'pop.noHistory': '无历史联系',
    'pop.col.time': '时间',
    'pop.col.direction': '方向',
    'pop.col.queue': '队列',
    'pop.col.agent': '坐席',
    'pop.col.disposition': '处理结果',
    'pop.col.talk': '通话时长',
    'pop.variables': '流程变量',
    'wrap.heading': '话后整理',
    'wrap.disposition': '处理结果',
    'wrap.choose': '请选择…',
    'wrap.note': '备注',
    'wrap.done': '整理完成',
    'wrap.deadline': '剩余 {s} 秒',
    'wrap.needDisposition': '请选择处理结果',
    'error.generic': '操作失败：{message}',
    'wb.waiting': '排队',
    'wb.longest': '最长等待',
    'wb.agents': '坐席',
    'wb.loggedIn': '已签入',
    'wb.answered': '接通',
    'wb.abandoned': '放弃',
    'wb.sl': '服务水平',
    'wb.asa': '平均应答',
    'wb.aht': '平均处理',
    'wb.abandonRate': '放弃率',
    'wb.queue': '队列',
    'wb.site': '全部',
    'wb.updated': '更新于 {time}',
    'wb.today': '今日',
    'wb.empty': '没有队列',
    'duration.ms': '{m}:{s}',
  },
  en: {
    'app.title': 'Contact center · Agent desktop',
    'app.short': 'Agent desktop',
    'wallboard.title': 'Contact center · Wallboard',
    'lang.switch': '中文',
    'login.heading': 'Agent log in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.busy': 'Logging in…',
    'login.invalid': 'Wrong user name or password',
    'login.locked': 'Too many failures; try again in {s} s',
    'login.failed': 'Login failed: {reason}',
    'header.logout': 'Log out',
    'header.wallboard': 'Wallboard',
    'header.desk': 'Agent desktop',
    'role.agent': 'agent',
    'role.supervisor': 'supervisor',
    'role.admin': 'admin',
    'conn.online': 'Connected',
    'conn.offline': 'Connection lost, reconnecting…',
    'state.logged-out': 'Signed out',
    'state.ready': 'Ready',
    'state.not-ready': 'Not ready',
    'state.away': 'Away',
    'state.reserved': 'Ringing',
    'state.busy': 'On a call',
    'state.hold': 'On hold',
    'state.wrap-up': 'Wrap-up',
    'state.heading': 'State',
    'state.ready.button': 'Ready',
    'state.notReady.button': 'Not ready',
    'state.away.button': 'Away',
    'state.reason': 'Reason',
    'state.signIn': 'Sign in',
    'state.signOut': 'Sign out',
    'reason.login': 'just signed in',
    'reason.missed': 'missed call',
    'reason.rejected': 'rejected',
    'phone.heading': 'Softphone',
    'phone.number': 'Phone number',
    'phone.dial': 'Dial',
    'phone.idle': 'Idle',
    'phone.mic': 'Microphone',
    'phone.micOk': 'Microphone ready',
    'phone.micDenied': 'Microphone unavailable: {reason}',
    'phone.insecure': 'This page is not a secure (HTTPS) connection; the browser will not allow the microphone',
    'call.dialing': 'Dialing',
    'call.ringing': 'Ringing',
    'call.connected': 'Connected',
    'call.held': 'On hold',
    'call.ended': 'Ended',
    'call.inbound': 'inbound',
    'call.outbound': 'outbound',
    'call.hangup': 'Hang up',
    'call.hold': 'Hold',
    'call.retrieve': 'Retrieve',
    'call.transfer': 'Transfer',
    'call.keypad': 'Keypad (sends tones)',
    'call.transferTo': 'Transfer to',
    'call.target': 'Target',
    'transfer.queue': 'Queue',
    'transfer.agent': 'Agent',
    'transfer.number': 'Number',
    'offer.heading': 'Incoming call',
    'offer.title': '[Call] {caller}',
    'offer.answer': 'Answer',
    'offer.reject': 'Reject',
    'offer.queue': 'Queue',
    'offer.did': 'Dialled',
    'offer.ringsFor': '{s} s left',
    'offer.ended.abandoned': 'The caller hung up',
    'offer.ended.ring-no-answer': 'Not answered; the call went back to the queue',
    'offer.ended.rejected': 'Rejected',
    'offer.ended.logout': 'Signed out',
    'pop.heading': 'Customer',
    'pop.caller': 'Caller',
    'pop.name': 'Name',
    'pop.level': 'Level',
    'pop.vip': 'VIP',
    'pop.notes': 'Notes',
    'pop.tags': 'Tags',
    'pop.unknown': 'New customer (no record)',
    'pop.choices': 'IVR choices',
    'pop.noChoices': 'none',
    'pop.history': 'Past contacts',
    'pop.noHistory': 'No past contacts',
    'pop.col.time': 'Time',
    'pop.col.direction': 'Direction',
    'pop.col.queue': 'Queue',
    'pop.col.agent': 'Agent',
    'pop.col.disposition': 'Disposition',
    'pop.col.talk': 'Talk',
    'pop.variables': 'Flow variables',
    'wrap.heading': 'Wrap-up',
    'wrap.disposition': 'Disposition',
    'wrap.choose': 'Choose…',
    'wrap.note': 'Note',
    'wrap.done': 'Wrap-up done',
    'wrap.deadline': '{s} s left',
    'wrap.needDisposition': 'Choose a disposition',
    'error.generic': 'Failed: {message}',
    'wb.waiting': 'Waiting',
    'wb.longest': 'Longest wait',
    'wb.agents': 'Agents',
    'wb.loggedIn': 'Signed in',
    'wb.answered': 'Answered',
    'wb.abandoned': 'Abandoned',
    'wb.sl': 'Service level',
    'wb.asa': 'ASA',
    'wb.aht': 'AHT',
    'wb.abandonRate': 'Abandon rate',
    'wb.queue': 'Queue',
    'wb.site': 'All',
    'wb.updated': 'Updated {time}',
    'wb.today': 'Today',
    'wb.empty': 'No queues',
    'duration.ms': '{m}:{s}',
  },
};

const STORAGE_KEY = 'cc.appliance.lang';
let lang = pickLang();

function pickLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && saved in messages) return saved;
  } catch {
    // Storage may be disabled; the default is fine.
  }
  return 'zh-CN';
}

export function getLang() {
  return lang;
}

export function t(key, params = {}) {
  const text = messages[lang][key] ?? messages['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Fills every marked element under `root` in the current language. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = t(title.dataset.i18n);
}

/** Switches language, re-labels the page and tells listeners (`langchange` on window). */
export function setLang(next) {
  if (!(next in messages) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered; still switched for this page.
  }
  applyI18n();
  window.dispatchEvent(new CustomEvent('langchange', { detail: next }));
}

export function bindLangSwitch(button) {
  button.addEventListener('click', () => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN'));
}

/** m:ss of a duration in ms (h:mm:ss past an hour). */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatTime(ms) {
  return new Date(ms).toLocaleString(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
