// The screen pop: who is calling (the customer record by phone number), what they chose in
// the IVR, and their past contacts from the CDR store. Shown with the offer and kept through
// the call and its wrap-up.
import { clock, formatTime, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/** Fills the customer panel from an offer (or hides it when there is none). */
export function renderScreenPop(p) {
  $('customer-panel').hidden = !p;
  if (!p) return;
  const c = p.screenPop.customer;
  $('pop-phone').textContent = p.caller;
  $('pop-name').textContent = c?.name ?? t('pop.unknown');
  $('pop-level').textContent = c ? [c.level, c.vip ? t('pop.vip') : ''].filter(Boolean).join(' · ') : '';
  $('pop-tags').textContent = c?.tags?.join('、') ?? '';
  $('pop-notes').textContent = c?.notes ?? '';
  // empty facts take no room: a new caller's card is just the number
  for (const id of ['pop-level', 'pop-tags', 'pop-notes']) {
    const dd = $(id);
    dd.hidden = dd.textContent === '';
    dd.previousElementSibling.hidden = dd.hidden;
  }
  $('customer-panel').dataset.vip = String(Boolean(c?.vip));
  const choices = p.choices.map((ch) => {
    const li = document.createElement('li');
    li.textContent = `${ch.nodeName ?? ch.nodeId}: ${ch.digits}`;
    return li;
  });
  if (choices.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('pop.noChoices');
    choices.push(li);
  }
  $('ivr-choices').replaceChildren(...choices);
  const rows = p.screenPop.recentContacts.map((pc) => {
    const tr = document.createElement('tr');
    for (const text of [formatTime(pc.startedAt), t(`call.${pc.direction}`), pc.queueId ?? '', pc.agentId ?? '', [pc.disposition, pc.note].filter(Boolean).join(' — '), pc.talkMs !== undefined ? clock(pc.talkMs) : '']) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 6;
    td.className = 'muted';
    td.textContent = t('pop.noHistory');
    tr.append(td);
    rows.push(tr);
  }
  $('past-contacts').replaceChildren(...rows);
}

