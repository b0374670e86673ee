// Test-only: lets a child process started by a test run the TypeScript sources (Node 20
// cannot strip types). `node --import <this file> src/isolated/child.ts …`
import { register } from 'node:module';

register('./ts-hooks.fixture.mjs', import.meta.url);
