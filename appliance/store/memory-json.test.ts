import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeJsonAdapterContract } from './json-adapter.contract.ts';
import { MemoryJson, type MemoryJsonCell } from './memory-json.ts';

describeJsonAdapterContract('MemoryJson', {
  async create(seed) {
    const cell: MemoryJsonCell = { text: seed };
    return {
      open: (options) => new MemoryJson({ ...options, cell }),
      storedText: async () => cell.text,
      dispose: async () => undefined,
    };
  },
});

test('MemoryJson names itself in errors by the name it was given', async () => {
  const adapter = new MemoryJson({ cell: { text: '{' }, name: 'memory:flows' });
  await assert.rejects(adapter.read(), /memory:flows/);
});
