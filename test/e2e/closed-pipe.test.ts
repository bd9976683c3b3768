import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { BIN, cleanEnv } from '../helpers/cli.js';

// `tenantctl ... | head -1` closes the pipe early; writes after that fail with EPIPE.
describe('output to a closed pipe', () => {
  it('help exits 0 after head', async () => {
    const result = await execa('bash', ['-c', `node ${BIN} --help | head -1; echo "status=\${PIPESTATUS[0]}"`], {
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
      timeout: 30_000,
    });

    expect(result.stdout).toContain('Usage: tenantctl');
    expect(result.stdout).toContain('status=0');
    expect(result.stderr).not.toContain('EPIPE');
  });
});
