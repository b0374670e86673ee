// Test-only child entry killed before reporting, as one the system ran out of memory for.
process.kill(process.pid, 'SIGKILL');
