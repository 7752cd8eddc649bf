// A graphql-ws client in a few lines: subscribes with one operation file and prints each event as a JSON line.
//   TOKEN=... node examples/watch.mjs schema/operations/first-steps/liaison/4-CaseUpdates.graphql '{"areaId":"..."}'
// GZ_WS_URL defaults to ws://localhost:4000/graphql. Keep the last `cursor` you saw and pass it as `after` when
// you reconnect: the server replays what you missed.
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [file, variables = '{}'] = process.argv.slice(2);
const client = createClient({
  url: process.env.GZ_WS_URL ?? 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  connectionParams: process.env.TOKEN ? { authorization: `Bearer ${process.env.TOKEN}` } : {},
  on: { closed: (event) => event.code !== 1000 && console.error(`closed ${event.code} ${event.reason}`) },
});
client.subscribe(
  { query: readFileSync(file, 'utf8'), variables: JSON.parse(variables) },
  {
    next: (result) => console.log(JSON.stringify(result)),
    error: (error) => {
      console.error(JSON.stringify(error));
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
