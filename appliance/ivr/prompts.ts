import type { PromptItem } from './flow-schema.ts';
import { renderTemplate } from './templates.ts';

/** Prompt items with the variables filled into TTS text (files are played as named). */
export function renderPrompt(prompt: readonly PromptItem[], variables: Readonly<Record<string, string>>): PromptItem[] {
  return prompt.map((item) => ('tts' in item ? { ...item, tts: renderTemplate(item.tts, variables) } : { ...item }));
}
