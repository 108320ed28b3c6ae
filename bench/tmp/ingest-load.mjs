import http from 'node:http';
const [url, writeKey, secs] = process.argv.slice(2);
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let n = 0;
const body = () => JSON.stringify({ batch: Array.from({ length: 100 }, () => { const i = n++; return { type: 'track', event: i % 10 === 0 ? 'transaction_item' : 'detailsView', userId: `reader-${i % 20000}`, messageId: `l-${process.pid}-${i}`, timestamp: new Date().toISOString(), properties: { article_id: String(Math.floor(2000 * Math.random() ** 3)) } }; }) });
const auth = `Basic ${Buffer.from(writeKey + ':').toString('base64')}`;
const end = Date.now() + Number(secs) * 1000;
let bad = 0;
while (Date.now() < end) {
  const b = body();
  const req = http.request({ host: u.hostname, port: u.port, path: '/v1/batch', method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/json' } }, (res) => { if (res.statusCode !== 200) bad++; res.resume(); });
  req.on('error', () => bad++);
  req.end(b);
  await new Promise((r) => setTimeout(r, 20));
}
console.error('ingest done, non-200:', bad);
