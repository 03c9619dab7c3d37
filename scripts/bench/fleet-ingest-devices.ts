// Child process of the fleet-ingest benchmark: N simulated appliances, each a real MQTT
// client with its own credentials, publishing telemetry at a fixed interval.
import mqtt, { type MqttClient } from 'mqtt';
import { brokerUsername } from '../../protocol/ids.ts';
import { encode } from '../../protocol/decode.ts';
import { publishOptions, topicFor } from '../../protocol/topics.ts';

const [url, countArg, intervalArg, durationArg, secret] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countArg);
const intervalMs = Number(intervalArg);
const durationMs = Number(durationArg);

const clients: { client: MqttClient; device: string }[] = [];
for (let i = 0; i < count; i += 50) {
  // Connect in waves of 50 so the broker's authentication is not one thundering herd.
  await Promise.all(
    Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
      const ref = { site: 'bench', device: `d${i + k}` };
      const c = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: brokerUsername(ref), username: brokerUsername(ref), password: secret, reconnectPeriod: 0, keepalive: 60 });
      clients.push({ client: c, device: ref.device });
    }),
  );
}
process.stdout.write(`${JSON.stringify({ connected: clients.length })}\n`);
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

let sent = 0;
const started = Date.now();
const bootId = 'bench';
const timers = clients.map(({ client: c, device }, i) => {
  const topic = topicFor('telemetry', { site: 'bench', device });
  const send = () => {
    const payload = encode('telemetry', {
      ts: Date.now(), bootId, version: '0.1.0', uptimeS: (Date.now() - started) / 1000,
      cpu: { cores: 2, usage: Math.random(), load1: 0.5 },
      memory: { totalBytes: 8e9, availableBytes: 4e9, processRssBytes: 1e8 },
      disk: { path: '/data', totalBytes: 1e11, freeBytes: 5e10 },
    });
    c.publish(topic, payload, publishOptions('telemetry'));
    sent++;
  };
  // Spread the devices evenly over the interval, as real ones would be.
  return setTimeout(() => {
    send();
    timers[i] = setInterval(send, intervalMs);
  }, (i / clients.length) * intervalMs);
});
await new Promise((r) => setTimeout(r, durationMs));
for (const t of timers) clearInterval(t);
// Let the sockets drain before reporting.
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(`${JSON.stringify({ sent })}\n`);
await Promise.all(clients.map(({ client }) => client.endAsync(true)));
process.exit(0);
