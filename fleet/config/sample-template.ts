import type { ConfigDocumentInput } from '../../protocol/config-document.ts';

/**
 * A branch template that exercises every section of the configuration document: the demo's
 * starting point and the tests' fixture. Trunk credentials and the DIDs are what devices
 * override; everything else is shared by the group.
 */
export function sampleTemplate(): ConfigDocumentInput {
  return {
    schema: 1,
    sip: {
      realm: 'cc.local',
      trunks: [{ id: 'pstn', host: '192.0.2.10', username: 'branch', password: 'change-me-please', register: true }],
      trunkGroups: [{ id: 'out', trunks: ['pstn'], callerId: '+861088880000' }],
      dids: [
        { did: '+861088880000', route: { kind: 'ivr', flow: 'main' } },
        { did: '+861088880001', route: { kind: 'queue', queue: 'sales' } },
      ],
      outboundRoutes: [{ prefix: '', trunkGroup: 'out' }],
    },
    acd: {
      skills: ['zh', 'en', 'sales', 'support'],
      agents: [
        { id: '1001', name: '王芳', skills: { zh: 8, sales: 6 } },
        { id: '1002', name: 'Li Lei', skills: { zh: 6, en: 7, support: 5 } },
      ],
      queues: [
        { id: 'sales', name: '销售', skills: [{ skill: 'sales' }] },
        { id: 'support', name: '客服', skills: [{ skill: 'support' }], overflow: [{ when: { afterSeconds: 120 }, to: { queue: 'sales' } }] },
      ],
    },
    ivr: {
      flows: [
        {
          id: 'main',
          name: '主菜单 Main menu',
          entry: 'menu',
          timeZone: 'Asia/Shanghai',
          nodes: [
            {
              id: 'menu',
              type: 'menu',
              prompt: [{ tts: '销售请按1，客服请按2。', language: 'zh-CN' }],
              options: { '1': { next: 'sales' }, '2': { next: 'support' } },
              onInvalid: 'sales',
              onTimeout: 'sales',
            },
            { id: 'sales', type: 'queue', queue: 'sales' },
            { id: 'support', type: 'queue', queue: 'support' },
          ],
        },
      ],
    },
    workingHours: {
      office: { weekly: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] } },
    },
    recording: { mode: 'all', queues: { support: 'on-demand' } },
    retention: { recordingDays: 180 },
    features: { wallboard: true, webchat: false },
  };
}
