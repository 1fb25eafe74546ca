// Sends one identify, track, page and group call with Segment's Node library to a server that speaks Segment's
// HTTP Tracking API, then waits for closeAndFlush(). Usage: node send.mjs <host> <writeKey>
// Prints every HTTP request the library makes and the answer it got; exits 0 only when all four calls were delivered.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey] = process.argv.slice(2)
if (!host || !writeKey) {
  console.error('usage: node send.mjs <host> <writeKey>')
  process.exit(2)
}

// The library's own fetch, with the answer's body printed, so that a refusal shows what the server said.
const recordingFetch = async (url, init) => {
  console.log(`request: ${init.method} ${url} ${init.body}`)
  const response = await fetch(url, init)
  const text = await response.clone().text()
  console.log(`answer: ${response.status} ${text}`)
  return response
}

const analytics = new Analytics({
  writeKey,
  host,
  flushAt: 1, // one HTTP request per call, sent at once
  flushInterval: 200,
  maxRetries: 3,
  httpRequestTimeout: 10000,
  httpClient: recordingFetch,
})

const failures = []
analytics.on('error', (error) => {
  failures.push(`${error.code}: ${error.reason}`)
})
const delivered = []
const outcome = (call) => (error) => {
  if (error) {
    failures.push(`${call}: ${error}`)
  } else {
    delivered.push(call)
  }
}

analytics.identify({
  messageId: 'node-identify-1',
  userId: 'node-ann',
  traits: { email: 'ann@example.com', plan: 'pro', seats: 3 },
}, outcome('identify'))
analytics.track({
  messageId: 'node-track-1',
  userId: 'node-ann',
  event: 'Survey Shown',
  properties: { survey: 'nps' },
}, outcome('track'))
analytics.page({
  messageId: 'node-page-1',
  userId: 'node-bo',
  name: 'Pricing',
  category: 'Docs',
  properties: { path: '/pricing' },
}, outcome('page'))
analytics.group({
  messageId: 'node-group-1',
  userId: 'node-bo',
  groupId: 'node-account-1',
  traits: { name: 'Acme', plan: 'enterprise' },
}, outcome('group'))

await analytics.closeAndFlush({ timeout: 60000 })

console.log(`delivered: ${delivered.join(',')}`)
if (failures.length > 0 || delivered.length !== 4) {
  console.error(`not delivered: ${failures.length ? failures.join('; ') : 'closeAndFlush ended with ' + delivered.length + ' of 4 delivered'}`)
  process.exit(1)
}
