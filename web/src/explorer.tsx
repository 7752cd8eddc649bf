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
const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  headers: auth,
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
