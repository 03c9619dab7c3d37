// A headless Chromium for an agent's softphone: Debian's chromium with a fake microphone that
// plays a steady 700 Hz tone (so the agent's side of a recording or stream is unmistakable).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeWavPcm16 } from '../../appliance/media/wav.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Writes the tone to `<workDir>/mic.wav` and opens a browser whose microphone plays it. */
export async function launchAgentBrowser(workDir: string): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const tone = Int16Array.from({ length: 16000 * 2 }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 700 * i) / 16000)));
  writeFileSync(join(workDir, 'mic.wav'), encodeWavPcm16(tone, 16000));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${join(workDir, 'mic.wav')}`, '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.setDefaultTimeout(8000);
  return { browser, page };
}
