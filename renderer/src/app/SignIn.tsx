import { useState } from 'react';
import { Button, Code, Modal, PasswordInput, Stack, Text } from '@mantine/core';

/** Shown when the server refuses the credentials (401): paste the token, or open the sign-in link again. */
export function SignIn({ opened, reason, onSignIn }: { opened: boolean; reason: string | undefined; onSignIn(token: string): void }) {
  const [token, setToken] = useState('');
  return (
    <Modal opened={opened} onClose={() => undefined} withCloseButton={false} closeOnClickOutside={false} closeOnEscape={false} title={<Text fw={650}>Sign in to Tidemark</Text>} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSignIn(token.trim());
        }}
      >
        <Stack>
          <Text size="sm">
            The server did not accept this tab's credentials{reason ? ` (${reason})` : ''}. Open the sign-in link that <Code>tidemark serve</Code> printed, or paste the API token — it is in the
            data folder's <Code>api-token</Code> file, and <Code>tidemark serve --rotate-token</Code> makes a new one.
          </Text>
          <PasswordInput label="API token" value={token} onChange={(e) => setToken(e.currentTarget.value)} autoComplete="off" data-autofocus />
          <Button type="submit" disabled={!token.trim()}>
            Sign in
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
