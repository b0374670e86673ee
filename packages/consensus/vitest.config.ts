import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

export default mergeConfig(packageConfig(), {
  test: { globalSetup: ['./scripts/vitest-setup.mjs'] },
});
