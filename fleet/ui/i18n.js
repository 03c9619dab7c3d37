// Every string of the console UI, in both languages. zh-CN is the default; the choice is
// remembered in localStorage. Elements carry `data-i18n="key"` (text) or
// `data-i18n-placeholder="key"`; code calls `t(key, params)`.

export const messages = {
  'zh-CN': {
    'app.title': '联络中心 · 设备管理控制台',
    'app.short': '设备管理控制台',
    'lang.switch': 'English',
    'login.heading': '登录',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'login.invalid': '用户名或密码错误',
    'login.locked': '失败次数过多，请 {s} 秒后再试',
    'login.failed': '登录失败：{reason}',
    'header.user': '{user}（{role}）',
    'header.logout': '退出登录',
    'role.viewer': '只读',
    'role.operator': '操作员',
    'role.admin': '管理员',
    'count.online': '在线',
    'count.offline': '离线',
    'count.total': '设备总数',
    'live.connected': '实时更新中',
    'live.reconnecting': '连接中断，正在重连…',
    'col.site': '站点',
    'col.device': '设备',
    'col.name': '名称',
    'col.status': '状态',
    'col.version': '版本',
    'col.uptime': '运行时长',
    'col.cpu': 'CPU',
    'col.memory': '内存',
    'col.disk': '磁盘',
    'col.lastSeen': '最后在线',
    'col.hardware': '线路',
    'nav.wallboard': '实时大屏',
    'nav.rollouts': '升级发布',
    'ro.title': '联络中心 · 升级发布',
    'ro.console': '设备列表',
    'ro.campaigns': '升级任务',
    'ro.empty': '还没有升级任务',
    'ro.col.name': '名称',
    'ro.col.version': '版本',
    'ro.col.groups': '设备组',
    'ro.col.status': '状态',
    'ro.col.phases': '分阶段进度',
    'ro.col.totals': '合计',
    'ro.col.created': '创建',
    'ro.col.phase': '阶段',
    'ro.col.deviceState': '升级状态',
    'ro.col.progress': '进度',
    'ro.col.detail': '说明',
    'ro.col.updated': '更新时间',
    'ro.phaseLabel': '第{n}阶段 {pct}%：{done}/{total}，失败 {failed}',
    'ro.totals': '已完成 {done}/{total}（{pct}%），失败 {failed}',
    'ro.activeCalls': '通话中 {n} 路',
    'ro.pause': '暂停',
    'ro.resume': '继续',
    'ro.abort': '终止',
    'ro.confirmAbort': '终止后不可恢复，尚未开始安装的设备将取消升级。确定终止？',
    'ro.status.running': '进行中',
    'ro.status.paused': '已暂停',
    'ro.status.halted': '已熔断',
    'ro.status.aborted': '已终止',
    'ro.status.completed': '已完成',
    'ro.device.pending': '等待发布',
    'ro.device.released': '已下发',
    'ro.device.cancelled': '已取消',
    'ro.device.idle': '待处理',
    'ro.device.waiting-window': '等待维护窗口',
    'ro.device.draining': '等待通话结束',
    'ro.device.downloading': '下载中',
    'ro.device.installing': '安装中',
    'ro.device.rebooting': '重启中',
    'ro.device.committed': '升级成功',
    'ro.device.rolled-back': '已回滚',
    'ro.device.failed': '失败',
    'hw.up': '正常',
    'hw.down': '中断',
    'hw.channels': '占用 {used}/{total} 路',
    'hw.offHook': '摘机 {n}',
    'hw.ringing': '振铃 {n}',
    'hw.alarm.los': '信号丢失',
    'hw.alarm.lof': '帧失步',
    'hw.alarm.ais': 'AIS告警',
    'hw.alarm.rai': '远端告警',
    'hw.alarm.yellow': '黄色告警',
    'hw.alarm.no-battery': '线路无馈电',
    'status.online': '在线',
    'status.offline': '离线',
    'status.unknown': '未知',
    'status.since': '已 {time}',
    'reason.lost': '连接丢失',
    'reason.shutdown': '正常关机',
    'uptime.days': '{d}天{h}小时',
    'uptime.hours': '{h}小时{m}分',
    'uptime.minutes': '{m}分',
    'uptime.seconds': '{s}秒',
    'cpu.value': '{pct}%（{cores}核）',
    'memory.value': '{pct}%（共 {total}）',
    'disk.value': '{pct}%（剩余 {free}）',
    'time.never': '从未',
    'time.justNow': '刚刚',
    'empty': '还没有设备',
  },
  en: {
    'app.title': 'Contact center · Fleet console',
    'app.short': 'Fleet console',
    'lang.switch': '中文',
    'login.heading': 'Log in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.busy': 'Logging in…',
    'login.invalid': 'Wrong user name or password',
    'login.locked': 'Too many failed attempts; try again in {s} s',
    'login.failed': 'Login failed: {reason}',
    'header.user': '{user} ({role})',
    'header.logout': 'Log out',
    'role.viewer': 'viewer',
    'role.operator': 'operator',
    'role.admin': 'admin',
    'count.online': 'Online',
    'count.offline': 'Offline',
    'count.total': 'Devices',
    'live.connected': 'Live',
    'live.reconnecting': 'Connection lost, reconnecting…',
    'col.site': 'Site',
    'col.device': 'Device',
    'col.name': 'Name',
    'col.status': 'Status',
    'col.version': 'Version',
    'col.uptime': 'Uptime',
    'col.cpu': 'CPU',
    'col.memory': 'Memory',
    'col.disk': 'Disk',
    'col.lastSeen': 'Last seen',
    'col.hardware': 'Lines',
    'nav.wallboard': 'Wallboard',
    'nav.rollouts': 'Rollouts',
    'ro.title': 'Contact center · Rollouts',
    'ro.console': 'Devices',
    'ro.campaigns': 'Update campaigns',
    'ro.empty': 'No campaigns yet',
    'ro.col.name': 'Name',
    'ro.col.version': 'Version',
    'ro.col.groups': 'Groups',
    'ro.col.status': 'Status',
    'ro.col.phases': 'Phases',
    'ro.col.totals': 'Total',
    'ro.col.created': 'Created',
    'ro.col.phase': 'Phase',
    'ro.col.deviceState': 'Update state',
    'ro.col.progress': 'Progress',
    'ro.col.detail': 'Detail',
    'ro.col.updated': 'Updated',
    'ro.phaseLabel': 'Phase {n} {pct}%: {done}/{total}, {failed} failed',
    'ro.totals': '{done}/{total} done ({pct}%), {failed} failed',
    'ro.activeCalls': '{n} calls up',
    'ro.pause': 'Pause',
    'ro.resume': 'Resume',
    'ro.abort': 'Abort',
    'ro.confirmAbort': 'Aborting is final: devices that have not started installing will not be updated. Abort?',
    'ro.status.running': 'Running',
    'ro.status.paused': 'Paused',
    'ro.status.halted': 'Halted',
    'ro.status.aborted': 'Aborted',
    'ro.status.completed': 'Completed',
    'ro.device.pending': 'Not yet released',
    'ro.device.released': 'Released',
    'ro.device.cancelled': 'Cancelled',
    'ro.device.idle': 'Queued',
    'ro.device.waiting-window': 'Waiting for window',
    'ro.device.draining': 'Waiting for calls to end',
    'ro.device.downloading': 'Downloading',
    'ro.device.installing': 'Installing',
    'ro.device.rebooting': 'Rebooting',
    'ro.device.committed': 'Updated',
    'ro.device.rolled-back': 'Rolled back',
    'ro.device.failed': 'Failed',
    'hw.up': 'up',
    'hw.down': 'down',
    'hw.channels': '{used}/{total} channels in use',
    'hw.offHook': '{n} off hook',
    'hw.ringing': '{n} ringing',
    'hw.alarm.los': 'LOS',
    'hw.alarm.lof': 'LOF',
    'hw.alarm.ais': 'AIS',
    'hw.alarm.rai': 'RAI',
    'hw.alarm.yellow': 'yellow',
    'hw.alarm.no-battery': 'no battery',
    'status.online': 'Online',
    'status.offline': 'Offline',
    'status.unknown': 'Unknown',
    'status.since': 'for {time}',
    'reason.lost': 'connection lost',
    'reason.shutdown': 'clean shutdown',
    'uptime.days': '{d} d {h} h',
    'uptime.hours': '{h} h {m} min',
    'uptime.minutes': '{m} min',
    'uptime.seconds': '{s} s',
    'cpu.value': '{pct}% ({cores} cores)',
    'memory.value': '{pct}% of {total}',
    'disk.value': '{pct}% ({free} free)',
    'time.never': 'never',
    'time.justNow': 'just now',
    'empty': 'No devices yet',
  },
};

const STORAGE_KEY = 'fleet.lang';
export const LANGS = Object.keys(messages);
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

/** Makes `button` toggle between the two languages. */
export function bindLangSwitch(button) {
  button.addEventListener('click', () => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN'));
}
