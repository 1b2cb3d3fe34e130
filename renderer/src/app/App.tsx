import { useCallback, useMemo, useRef, useState } from 'react';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { HttpTransport } from '../api/http-transport.js';
import { IpcTransport } from '../api/ipc-transport.js';
import type { DesktopBridge } from '../../../shared/ipc/channels.js';
import { TransportContext } from '../api/context.js';
import { TransportError, type Transport } from '../api/transport.js';
import { initToken, saveToken } from './auth.js';
import { colorSchemeManager, theme } from './theme.js';
import { Shell } from './Shell.js';
import { SignIn } from './SignIn.js';

declare global {
  interface Window {
    /** Set by the desktop app's preload script: the IPC contract. Absent in a browser. */
    tidemark?: DesktopBridge;
  }
}

function startingToken(): string | undefined {
  return initToken(window.location, window.sessionStorage, (rest) => {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  });
}

/**
 * The app: theme (light/dark/OS), server state, the transport: IPC in the desktop window (the
 * preload put the contract on `window.tidemark`), else HTTP + SSE with the token from the
 * sign-in URL; tests pass their own.
 */
export function App({ transport: given }: { transport?: Transport }) {
  const bridge = given ? undefined : window.tidemark;
  const tokenRef = useRef<string | undefined>(given || bridge ? undefined : startingToken());
  const [refused, setRefused] = useState<string | undefined>();
  const transport = useMemo(
    () => given ?? (bridge ? new IpcTransport(bridge) : new HttpTransport({ getToken: () => tokenRef.current, onUnauthorized: (m) => setRefused(m) })),
    [given, bridge],
  );
  const queryClient = useMemo(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            refetchOnWindowFocus: false,
            staleTime: 10_000,
            retry: (n, err) => !(err instanceof TransportError && err.status >= 400 && err.status < 500) && n < 2,
          },
        },
      }),
    [],
  );
  const signIn = useCallback(
    (token: string) => {
      tokenRef.current = token;
      saveToken(window.sessionStorage, token);
      setRefused(undefined);
      transport.reconnect();
      void queryClient.invalidateQueries();
    },
    [transport, queryClient],
  );

  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <Notifications position="bottom-right" limit={4} />
      <QueryClientProvider client={queryClient}>
        <TransportContext.Provider value={transport}>
          <Shell />
          <SignIn opened={refused !== undefined} reason={refused} onSignIn={signIn} />
        </TransportContext.Provider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
