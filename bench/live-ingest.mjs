// The live bench's ingest load, in a process of its own so that sending 5,000 events/s does not
// delay the query load generator (whose latencies are what is measured): 50 batches of 100
// article views per second for the given number of seconds. Prints a JSON summary line.
import autocannon from 'autocannon';

const [url, writeKey, seconds, tag] = process.argv.slice(2);
const articles = Number(process.env.CLICKPATH_LIVE_BENCH_ARTICLES ?? 2000);
let sequence = 0;
const event = () => {
  const n = sequence++;
  return {
    type: 'track',
    event: n % 10 === 0 ? 'transaction_item' : 'detailsView',
    userId: `reader-${n % 20_000}`,
    messageId: `live-${tag}-${n}`,
    timestamp: new Date().toISOString(),
    // Skewed popularity, as on a news site: low numbers are read far more.
    properties: { article_id: String(Math.floor(articles * Math.random() ** 3)) },
  };
};
// Built before the clock starts; timestamps are at most the run's length old when sent.
const bodies = Array.from({ length: 50 * Number(seconds) + 50 }, () => JSON.stringify({ batch: Array.from({ length: 100 }, event) }));
let next = 0;
const headers = { authorization: `Basic ${Buffer.from(writeKey + ':').toString('base64')}`, 'content-type': 'application/json' };
autocannon({
  url,
  connections: 4,
  duration: Number(seconds),
  overallRate: 50,
  requests: [{ method: 'POST', path: '/v1/batch', headers, setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
}, (err, result) => {
  if (err) throw err;
  process.stdout.write(JSON.stringify({ requests: result.requests.total, non2xx: result.non2xx, errors: result.errors }) + '\n');
});
