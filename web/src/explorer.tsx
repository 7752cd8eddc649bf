// The GraphQL explorer at GET /graphql: GraphiQL bundled from the project's own
// dependencies (no CDN), so it works offline. It uses the console's session
// token when one exists, over HTTP and over graphql-ws for subscriptions.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import { currentToken } from './session';

const token = currentToken();
// Read per request, not once: the session's token is renewed (authRefresh) while this tab stays open.
const auth = (): Record<string, string> => {
  const current = currentToken();
  return current ? { authorization: `Bearer ${current}` } : {};
};
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  fetch: (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(auth())) headers.set(name, value);
    return fetch(input, { ...init, headers });
  },
  wsConnectionParams: auth,
});

const DEFAULT_QUERY = `# Gongzhi GraphQL explorer${token ? ' (signed in from the console)' : ': sign in at / first, or send an Authorization header'}
query Me {
  viewer {
    user { displayName }
    organizations { name kind jurisdiction { name } }
  }
}
`;

createRoot(document.getElementById('explorer')!).render(<GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />);
