// Child process of the config-push benchmark: N simulated appliances, each a real MQTT 3.1.1
// client with its own credentials that subscribes to its desired configuration like the
// fleet link does and runs the real configuration twin (hash check, full validation of
// every section, reported state). In `echo` mode (the reference) it answers at once without
// looking at the document.
import { createInterface } from 'node:readline';
import { Low, Memory } from 'lowdb';
import mqtt, { type MqttClient } from 'mqtt';
import { brokerUsername } from '../../protocol/ids.ts';
import { decode, encode } from '../../protocol/decode.ts';
import { publishOptions, topicFor } from '../../protocol/topics.ts';
import { ConfigTwin } from '../../appliance/config-twin/config-twin.ts';
import { initialTwinState, type TwinState } from '../../appliance/config-twin/twin-core.ts';

const [url, firstArg, countArg, secret] = process.argv.slice(2) as [string, string, string, string];
const first = Number(firstArg);
const count = Number(countArg);
let mode: 'twin' | 'echo' = 'twin';
const echoReport = (version: number) => JSON.stringify({ ts: Date.now(), applied: { version, hash: '0'.repeat(64), source: 'fleet', at: Date.now() }, drift: false, highestSeen: version });

const clients: MqttClient[] = [];
let applied = 0;
for (let i = first; i < first + count; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, first + count - i) }, async (_, k) => {
      const ref = { site: 'bench', device: `d${i + k}` };
      const twin = await ConfigTwin.open({ db: new Low<TwinState>(new Memory(), initialTwinState(Date.now())) });
      const c = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: brokerUsername(ref), username: brokerUsername(ref), password: secret, reconnectPeriod: 0, keepalive: 120, clean: true });
      const reportTopic = topicFor('configReported', ref);
      twin.on('report', (r) => c.publish(reportTopic, encode('configReported', r), publishOptions('configReported')));
      twin.on('applied', () => applied++);
      c.on('message', (topic, payload) => {
        const m = decode(topic, payload);
        if (!m.ok || m.name !== 'configDesired') return;
        if (mode === 'echo') return void c.publish(reportTopic, echoReport(m.payload.version), publishOptions('configReported'));
        void twin.offer({ version: m.payload.version, hash: m.payload.hash, config: m.payload.config, source: 'fleet' });
      });
      await c.subscribeAsync(topicFor('configDesired', ref), { qos: 1 });
      clients.push(c);
    }),
  );
}
process.stdout.write(`${JSON.stringify({ connected: clients.length })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'echo') mode = 'echo';
  if (line === 'stats') process.stdout.write(`${JSON.stringify({ applied, cpu: process.cpuUsage() })}\n`);
  if (line === 'quit') void Promise.all(clients.map((c) => c.endAsync(true))).then(() => process.exit(0));
});
