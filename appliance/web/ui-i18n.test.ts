// The browser pages' strings: both languages have the same keys, and every key a page or a
// script names exists, so a label never shows up as its raw key in either language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { DEFAULT_APPLIANCE_UI_DIR } from './web-app.ts';

const dir = DEFAULT_APPLIANCE_UI_DIR;
const { messages } = (await import(`${dir}i18n.js`)) as { messages: Record<'zh-CN' | 'en', Record<string, string>> };

test('zh-CN and English have the same keys, none of them empty', () => {
  const zh = Object.keys(messages['zh-CN']).sort();
  const en = Object.keys(messages.en).sort();
  assert.deepEqual(zh.filter((k) => !en.includes(k)), [], 'keys missing in English');
  assert.deepEqual(en.filter((k) => !zh.includes(k)), [], 'keys missing in Chinese');
  for (const lang of ['zh-CN', 'en'] as const) for (const [k, v] of Object.entries(messages[lang])) assert.ok(v.trim().length > 0, `${lang} ${k} is empty`);
});

test('every key named in the pages and scripts exists', () => {
  const used = new Set<string>();
  for (const name of readdirSync(dir)) {
    const text = readFileSync(`${dir}${name}`, 'utf8');
    if (name.endsWith('.html')) for (const m of text.matchAll(/data-i18n(?:-placeholder|-title)?="([^"]+)"/g)) used.add(m[1]!);
    if (name.endsWith('.js')) for (const m of text.matchAll(/\bt\('([a-zA-Z0-9.-]+)'/g)) used.add(m[1]!);
  }
  // keys built at run time: state.<agent state>, role.<role>, call.<status>, offer.ended.<reason>
  for (const s of ['logged-out', 'ready', 'not-ready', 'away', 'reserved', 'busy', 'hold', 'wrap-up']) used.add(`state.${s}`);
  for (const r of ['agent', 'supervisor', 'admin']) used.add(`role.${r}`);
  for (const c of ['dialing', 'ringing', 'connected', 'held', 'ended', 'inbound', 'outbound']) used.add(`call.${c}`);
  for (const r of ['abandoned', 'ring-no-answer', 'rejected', 'logout']) used.add(`offer.ended.${r}`);
  const missing = [...used].filter((k) => !(k in messages['zh-CN']));
  assert.deepEqual(missing, []);
  assert.ok(used.size > 100, `only ${used.size} keys found: the scan is broken`);
});
