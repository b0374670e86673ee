import { childMain } from './child-main.js';

/** Entry of a child process of `pnpm bench --isolated`: one implementation of one case. */
process.exitCode = await childMain(process.argv.slice(2), process);
// A suite may leave a handle open (a socket, a timer); the report is sent, so leave now.
process.exit();
