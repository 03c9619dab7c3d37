// The hardware block of a device: E1/T1 spans with their state and alarms, analog ports with
// their hook state, from the device's telemetry (`telemetry.hardware`). Alarmed lines first
// and in red, so a dead span is what the eye finds.

function badge(text, kind, title) {
  const b = document.createElement('span');
  b.className = `hw ${kind}`;
  b.textContent = text;
  if (title) b.title = title;
  return b;
}

/** Fills `td` with the device's span and port state; a dash when the device reports none. */
export function renderHardware(td, hw, t) {
  td.replaceChildren();
  if (!hw || (hw.spans.length === 0 && hw.ports.length === 0)) {
    td.textContent = '—';
    td.dataset.alarms = '0';
    return;
  }
  let alarms = 0;
  for (const s of hw.spans) {
    const names = s.alarms.map((a) => t(`hw.alarm.${a}`)).join(' ');
    alarms += s.alarms.length;
    const label = `${s.type}-${s.id}`;
    const text = s.state === 'up' ? `${label} ${t('hw.up')}` : `${label} ${names || t('hw.down')}`;
    const detail = [s.label, t('hw.channels', { used: s.counters.inUse, total: s.counters.bearer })].filter(Boolean).join(' · ');
    const b = badge(text, s.state === 'up' ? 'up' : 'down', detail);
    b.dataset.span = String(s.id);
    td.append(b);
  }
  if (hw.ports.length > 0) {
    const alarmed = hw.ports.filter((p) => p.alarms.length > 0);
    const offHook = hw.ports.filter((p) => p.hook === 'off-hook').length;
    const ringing = hw.ports.filter((p) => p.hook === 'ringing').length;
    const fxs = hw.ports.filter((p) => p.kind === 'fxs').length;
    const fxo = hw.ports.length - fxs;
    const summary = [fxs ? `FXS ${fxs}` : '', fxo ? `FXO ${fxo}` : ''].filter(Boolean).join(' · ');
    const activity = [offHook ? t('hw.offHook', { n: offHook }) : '', ringing ? t('hw.ringing', { n: ringing }) : ''].filter(Boolean).join(' · ');
    td.append(badge(activity ? `${summary} (${activity})` : summary, 'ports'));
    for (const p of alarmed) {
      alarms += p.alarms.length;
      const b = badge(`${p.kind.toUpperCase()} ${p.id} ${p.alarms.map((a) => t(`hw.alarm.${a}`)).join(' ')}`, 'down', p.label);
      b.dataset.port = String(p.id);
      td.append(b);
    }
  }
  td.dataset.alarms = String(alarms);
}
