// What every media session shares within one appliance process.
import type { FrameTicker } from './frame-ticker.ts';
import type { MediaConfig } from './media-config.ts';
import type { PortAllocator } from './port-allocator.ts';
import type { PromptLibrary } from './prompt-library.ts';
import type { RecordingStore } from './recording-store.ts';

export interface MediaEnvironment {
  config: MediaConfig;
  /** RTP ports of SIP legs. */
  ports: PortAllocator;
  library: PromptLibrary;
  ticker: FrameTicker;
  recordings?: RecordingStore;
  /** Monotonic milliseconds. */
  now: () => number;
}
